package dev.specula.runtime.training;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small models with random F32 weights on the heap, and the shared real models. */
final class RandomModels {
    private RandomModels() {
    }

    static Model random(ModelConfig c, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        put(tensors, TensorNames.TOKEN_EMBEDDING, c.vocabSize(), c.dim(), 1.0, random);
        put(tensors, TensorNames.OUTPUT, c.vocabSize(), c.dim(), 0.5, random);
        put(tensors, TensorNames.OUTPUT_NORM, 1, c.dim(), -1, random);
        for (int l = 0; l < c.layers(); l++) {
            double s = 1.0 / Math.sqrt(c.dim());
            put(tensors, TensorNames.attnNorm(l), 1, c.dim(), -1, random);
            put(tensors, TensorNames.ffnNorm(l), 1, c.dim(), -1, random);
            put(tensors, TensorNames.attnQ(l), c.dim(), c.dim(), 2 * s, random);
            put(tensors, TensorNames.attnK(l), c.kvDim(), c.dim(), 2 * s, random);
            put(tensors, TensorNames.attnV(l), c.kvDim(), c.dim(), s, random);
            put(tensors, TensorNames.attnOutput(l), c.dim(), c.dim(), s, random);
            put(tensors, TensorNames.ffnGate(l), c.hiddenDim(), c.dim(), 2 * s, random);
            put(tensors, TensorNames.ffnUp(l), c.hiddenDim(), c.dim(), s, random);
            put(tensors, TensorNames.ffnDown(l), c.dim(), c.hiddenDim(), 1.0 / Math.sqrt(c.hiddenDim()), random);
        }
        return new Model(Path.of("random.gguf"), "gguf", c, tensors, null, Map.of(), null);
    }

    static ModelConfig tiny(RopeStyle style) {
        return new ModelConfig(16, 24, 2, 4, 2, 40, 32, 1e-5f, 10000f, style);
    }

    /** std < 0: a norm weight around 1. */
    private static void put(Map<String, Tensor> tensors, String name, int rows, int cols, double std, SplittableRandom r) {
        MemorySegment data = MemorySegment.ofArray(new byte[rows * cols * Float.BYTES]);
        ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < (long) rows * cols; i++) {
            double value = std < 0 ? 1 + 0.3 * (r.nextDouble() - 0.5) : (r.nextDouble() * 2 - 1) * std * Math.sqrt(3);
            data.setAtIndex(le, i, (float) value);
        }
        long[] dims = rows == 1 ? new long[]{cols} : new long[]{cols, rows};
        tensors.put(name, new Tensor(name, GgmlType.F32, dims, data));
    }

    static Path shared(String relative) {
        Path p = Path.of(System.getProperty("specula.shared", "../shared"), "models", relative);
        assertTrue(Files.exists(p), "shared model missing: " + p);
        return p;
    }

    static Model stories260K() {
        return ModelLoader.load(shared("stories260K.gguf"), null, true);
    }
}
