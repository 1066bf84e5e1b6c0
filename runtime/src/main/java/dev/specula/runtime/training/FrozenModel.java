package dev.specula.runtime.training;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.Rope;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The base model's weights as training sees them: frozen, used in place for forward products,
 * plus a transposed F32 copy of every projection and of the output head, because backpropagation
 * multiplies gradients by W^T and the kernels only multiply by W row by row.
 */
public final class FrozenModel {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final ModelConfig config;
    final ComputePool pool;
    final Weights embedding;
    final Weights output;
    final Weights outputTransposed;
    /** {@code [layer][target.ordinal()]}. */
    final Weights[][] weights;
    final Weights[][] transposed;
    final float[][] attnNorm;
    final float[][] ffnNorm;
    final float[] outputNorm;
    final Rope rope;
    private final String source;

    public FrozenModel(Model model, ComputePool pool) {
        this.config = model.config();
        this.pool = pool;
        this.source = model.source().getFileName().toString();
        int layers = config.layers();
        embedding = WeightsFactory.of(model.tensor(TensorNames.TOKEN_EMBEDDING));
        output = WeightsFactory.of(model.outputHead());
        outputTransposed = transpose(output);
        LoraTarget[] projections = LoraTarget.values();
        weights = new Weights[layers][projections.length];
        transposed = new Weights[layers][projections.length];
        attnNorm = new float[layers][];
        ffnNorm = new float[layers][];
        for (int l = 0; l < layers; l++) {
            for (LoraTarget p : projections) {
                weights[l][p.ordinal()] = WeightsFactory.of(model.tensor(p.baseTensor(l)));
                transposed[l][p.ordinal()] = transpose(weights[l][p.ordinal()]);
            }
            attnNorm[l] = vector(model, TensorNames.attnNorm(l));
            ffnNorm[l] = vector(model, TensorNames.ffnNorm(l));
        }
        outputNorm = vector(model, TensorNames.OUTPUT_NORM);
        rope = new Rope(config.headDim(), config.contextLength(), config.ropeTheta());
    }

    public ModelConfig config() {
        return config;
    }

    /** File name of the base model (recorded in ensemble files). */
    public String source() {
        return source;
    }

    private float[] vector(Model model, String name) {
        Tensor t = model.tensor(name);
        float[] values = new float[Math.toIntExact(t.elementCount())];
        WeightsFactory.of(new Tensor(name, t.type(), new long[]{values.length, 1}, t.data())).row(0, values, 0);
        return values;
    }

    /** An F32 copy of {@code w} with rows and columns swapped, on the heap. */
    private static Weights transpose(Weights w) {
        int rows = w.rows();
        int cols = w.cols();
        MemorySegment data = MemorySegment.ofArray(new byte[Math.multiplyExact(Math.multiplyExact(rows, cols), Float.BYTES)]);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.row(r, row, 0);
            for (int c = 0; c < cols; c++) {
                data.set(FLOAT_LE, ((long) c * rows + r) * Float.BYTES, row[c]);
            }
        }
        return WeightsFactory.of(new Tensor(w.tensor().name() + ".T", GgmlType.F32, new long[]{rows, cols}, data));
    }
}
