package dev.specula.runtime.format;

import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Checks that a model file holds every tensor a Llama forward pass reads, with the shape the
 * configuration implies and a type that has kernels. Every loader calls it, so a file that
 * lies about its shapes fails at load time with a clear message instead of deep in a kernel.
 */
public final class TensorLayout {
    private TensorLayout() {
    }

    public static void check(Path file, ModelConfig c, Map<String, Tensor> tensors) {
        check(file, c, tensors, true);
    }

    /**
     * As {@link #check(Path, ModelConfig, Map)}; with {@code feedForwardResident == false} the
     * feed-forward matrices may be absent (a flash-offload file keeps them outside the tensor table
     * and supplies its own {@link dev.specula.runtime.engine.FeedForward}).
     */
    public static void check(Path file, ModelConfig c, Map<String, Tensor> tensors, boolean feedForwardResident) {
        long dim = c.dim();
        long kvDim = c.kvDim();
        long hidden = c.hiddenDim();
        expect(file, tensors, TensorNames.TOKEN_EMBEDDING, dim, c.vocabSize());
        expect(file, tensors, TensorNames.OUTPUT_NORM, dim);
        if (tensors.containsKey(TensorNames.OUTPUT)) {
            expect(file, tensors, TensorNames.OUTPUT, dim, c.vocabSize());
        }
        for (int l = 0; l < c.layers(); l++) {
            expect(file, tensors, TensorNames.attnNorm(l), dim);
            expect(file, tensors, TensorNames.attnQ(l), dim, dim);
            expect(file, tensors, TensorNames.attnK(l), dim, kvDim);
            expect(file, tensors, TensorNames.attnV(l), dim, kvDim);
            expect(file, tensors, TensorNames.attnOutput(l), dim, dim);
            expect(file, tensors, TensorNames.ffnNorm(l), dim);
            if (feedForwardResident) {
                expect(file, tensors, TensorNames.ffnGate(l), dim, hidden);
                expect(file, tensors, TensorNames.ffnUp(l), dim, hidden);
                expect(file, tensors, TensorNames.ffnDown(l), hidden, dim);
            }
        }
    }

    private static void expect(Path file, Map<String, Tensor> tensors, String name, long... dims) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(file, "missing tensor " + name);
        }
        if (!t.type().supported()) {
            throw new ModelFormatException(file, "unsupported tensor type " + t.type() + " in tensor " + name);
        }
        if (!Arrays.equals(t.dims(), dims)) {
            throw new ModelFormatException(file, "tensor " + name + " has dimensions " + Arrays.toString(t.dims())
                    + " but the model's configuration implies " + Arrays.toString(dims));
        }
    }
}
