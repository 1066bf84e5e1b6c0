package dev.specula.runtime.format;

import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same models in different formats must load to the same configuration and weights. */
class SharedModelsTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void stories260KGgufAndLlama2cHoldIdenticalWeights() {
        Path models = TestFiles.models();
        try (Model gguf = ModelLoader.load(models.resolve("stories260K.gguf"), null, false);
             Model bin = ModelLoader.load(models.resolve("stories260K.bin"), null, false)) {
            assertEquals("gguf", gguf.format());
            assertEquals("llama2c", bin.format());
            assertNull(bin.tokenizer());
            ModelConfig expected = new ModelConfig(64, 172, 5, 8, 4, 512, 512, 1e-5f, 10000f, RopeStyle.INTERLEAVED);
            assertEquals(expected, bin.config());
            // The GGUF conversion declares a longer context than the checkpoint's seq_len; all else agrees.
            assertEquals(2048, gguf.config().contextLength());
            assertEquals(expected, gguf.config().withContextLength(512));

            assertEquals(bin.tensors().size() + 1, gguf.tensors().size()); // GGUF stores the tied head again
            assertFalse(bin.has(TensorNames.OUTPUT));
            for (Tensor b : bin.tensors().values()) {
                Tensor g = gguf.tensor(b.name());
                assertEquals(GgmlType.F32, g.type());
                assertArrayEquals(b.dims(), g.dims(), b.name());
                assertArrayEquals(floats(b), floats(g), b.name());
            }
            assertArrayEquals(floats(bin.outputHead()), floats(gguf.outputHead()));
        }
    }

    @Test
    void tinyStories656KFolderAndQ8GgufAgree() {
        Path models = TestFiles.models();
        try (Model hf = ModelLoader.load(models.resolve("tinystories-656k"), null, false);
             Model q8 = ModelLoader.load(models.resolve("TinyStories-656K-Q8_0.gguf"), null, false)) {
            assertEquals("safetensors", hf.format());
            assertEquals(new ModelConfig(128, 384, 2, 8, 4, 2048, 512, 1e-6f, 10000f, RopeStyle.HALF), hf.config());
            ModelConfig c = q8.config();
            assertEquals(RopeStyle.INTERLEAVED, c.ropeStyle());
            assertEquals(hf.config(), new ModelConfig(c.dim(), c.hiddenDim(), c.layers(), c.heads(), c.kvHeads(),
                    c.vocabSize(), c.contextLength(), c.rmsNormEps(), c.ropeTheta(), RopeStyle.HALF));
            assertFalse(hf.has(TensorNames.OUTPUT)); // tied: only lm_head is stored, used as the embedding
            assertEquals(q8.tensors().keySet(), hf.tensors().keySet());

            int heads = c.heads();
            int kvHeads = c.kvHeads();
            for (Tensor h : hf.tensors().values()) {
                Tensor g = q8.tensor(h.name());
                assertArrayEquals(h.dims(), g.dims(), h.name());
                float[] hfValues = floats(h);
                float[] ggufValues = g.type() == GgmlType.Q8_0 ? dequantizeQ8(g) : floats(g);
                float[] scales = g.type() == GgmlType.Q8_0 ? blockScales(g) : new float[hfValues.length];
                String name = h.name();
                if (name.contains("attn_q") || name.contains("attn_k")) {
                    int n = name.contains("attn_q") ? heads : kvHeads;
                    float[] permuted = permuteLikeLlamaCpp(hfValues, h.rows(), h.cols(), n);
                    assertWithinQ8(permuted, ggufValues, scales, name);
                    assertFalse(withinQ8(hfValues, ggufValues, scales), name + " should differ without the permutation");
                } else {
                    assertWithinQ8(hfValues, ggufValues, scales, name);
                }
            }
        }
    }

    /**
     * llama.cpp's convert_hf_to_gguf.py: {@code w.reshape(n_head, 2, rows / n_head / 2, cols).swapaxes(1, 2)},
     * i.e. GGUF row {@code h*hd + 2i + s} is HF row {@code h*hd + s*hd/2 + i}.
     */
    private static float[] permuteLikeLlamaCpp(float[] w, int rows, int cols, int nHead) {
        int hd = rows / nHead;
        float[] out = new float[w.length];
        for (int h = 0; h < nHead; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int s = 0; s < 2; s++) {
                    System.arraycopy(w, (h * hd + s * hd / 2 + i) * cols, out, (h * hd + 2 * i + s) * cols, cols);
                }
            }
        }
        return out;
    }

    /** Within Q8_0 rounding: half a quantization step plus the fp16 rounding of the scale. */
    private static boolean withinQ8(float[] expected, float[] actual, float[] scales) {
        for (int i = 0; i < expected.length; i++) {
            float step = Math.abs(scales[i / 32]);
            if (Math.abs(expected[i] - actual[i]) > 0.5f * step + 128 * step / 1024 + 1e-7f) {
                return false;
            }
        }
        return true;
    }

    private static void assertWithinQ8(float[] expected, float[] actual, float[] scales, String name) {
        assertEquals(expected.length, actual.length, name);
        assertTrue(withinQ8(expected, actual, scales), name + " differs by more than Q8_0 rounding");
    }

    /** A scalar Q8_0 dequantizer (blocks of an fp16 scale and 32 int8), for checking only. */
    private static float[] dequantizeQ8(Tensor t) {
        float[] scales = blockScales(t);
        float[] out = new float[Math.toIntExact(t.elementCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = scales[i / 32] * t.data().get(ValueLayout.JAVA_BYTE, (long) (i / 32) * 34 + 2 + i % 32);
        }
        return out;
    }

    private static float[] blockScales(Tensor t) {
        float[] scales = new float[Math.toIntExact(t.elementCount() / 32)];
        for (int b = 0; b < scales.length; b++) {
            scales[b] = Float.float16ToFloat(t.data().get(F16, (long) b * 34));
        }
        return scales;
    }

    private static float[] floats(Tensor t) {
        assertEquals(GgmlType.F32, t.type(), t.name());
        MemorySegment d = t.data();
        float[] out = new float[Math.toIntExact(t.elementCount())];
        MemorySegment.copy(d, F32, 0, out, 0, out.length);
        return out;
    }
}
