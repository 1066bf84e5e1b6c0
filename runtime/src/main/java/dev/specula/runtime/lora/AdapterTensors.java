package dev.specula.runtime.lora;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Reads the A and B matrices of adapter files into float arrays, checking names and shapes. */
final class AdapterTensors {
    private AdapterTensors() {
    }

    /** The row-major values of tensor {@code name}, which must have shape {@code [rows, cols]}. */
    static float[] matrix(Path file, Map<String, Tensor> tensors, String name, int rows, int cols, String why) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(file, "missing tensor " + name);
        }
        long[] dims = t.dims();
        if (dims.length != 2 || dims[0] != cols || dims[1] != rows) {
            throw new ModelFormatException(file, "tensor " + name + " has shape " + shapeOf(dims) + " but "
                    + why + " needs [" + rows + ", " + cols + "]");
        }
        float[] values = new float[rows * cols];
        var weights = WeightsFactory.of(t);
        for (int r = 0; r < rows; r++) {
            weights.row(r, values, r * cols);
        }
        return values;
    }

    /** A row-major shape as safetensors writes it, outermost first. */
    static String shapeOf(long[] ggmlDims) {
        long[] shape = new long[ggmlDims.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = ggmlDims[ggmlDims.length - 1 - i];
        }
        return Arrays.toString(shape);
    }
}
