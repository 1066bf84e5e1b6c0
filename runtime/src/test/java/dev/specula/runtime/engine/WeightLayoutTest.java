package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.Correlation;
import dev.specula.runtime.bench.ModelCost;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import dev.specula.runtime.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same model held every way: mapped, nothing is copied; interleaved, in groups of either width, exactly what
 * {@link Engine#interleavedCopyBytes} said beforehand. The logits after a prompt and after a decoded token differ by
 * the interleaved products' 8-bit activations only (a prompt's batches decode the weights to floats either way; its
 * last token's logits come from the output head's one-row product), and not at all between the two widths.
 */
class WeightLayoutTest {

    @ParameterizedTest
    @EnumSource(value = SynthQuant.class, names = {"Q4_0", "Q8_0", "Q4_K_M"})
    void bothLayoutsGiveTheSameModel(SynthQuant quant, @TempDir Path dir) throws IOException {
        Path file = dir.resolve(quant + ".gguf");
        int ffn = quant.type().blockSize() == 256 ? 1536 : 1376;
        new SynthModelWriter(new SynthShape("layouts", 512, 2, 8, 4, ffn, 1024, 64), quant, 9).write(file, false, n -> { });
        int[] prompt = {1, 300, 301, 302, 303, 304, 305, 306};
        int layouts = WeightLayout.values().length;
        float[][] prompts = new float[layouts][];
        float[][] decoded = new float[layouts][];
        long[] copied = new long[layouts];
        long[] stored = new long[layouts];
        long expected = 0;
        long cost = 0;
        long rest = 0;
        for (WeightLayout layout : WeightLayout.values()) {
            try (ComputePool pool = new ComputePool(2);
                 Engine engine = Engine.dense(ModelLoader.load(file, null), pool, CpuAttention.factory(pool), 64, layout);
                 Session session = engine.transformer().newSession(engine.attention(), 64)) {
                expected = Engine.interleavedCopyBytes(engine.model());
                copied[layout.ordinal()] = engine.copiedWeightBytes();
                List<Weights> matrices = engine.transformer().matrices();
                assertEquals(2 * 7 + 1, matrices.size(), "q, k, v, o, gate, up, down per layer, then the head");
                stored[layout.ordinal()] = matrices.stream().mapToLong(w -> w.storage().byteSize()).sum();
                // A token reads every matrix, one embedding row and the norms.
                rest = engine.model().tensor(TensorNames.TOKEN_EMBEDDING).rowBytes() + engine.model().tensors().values()
                        .stream().filter(t -> t.dims().length == 1).mapToLong(Tensor::byteSize).sum();
                cost = ModelCost.of(engine.model()).weightBytesPerToken();
                prompts[layout.ordinal()] = engine.transformer().forward(session, prompt, 0, prompt.length).clone();
                decoded[layout.ordinal()] = engine.transformer().forward(session, new int[] {42}, 0, 1).clone();
            }
        }
        assertEquals(0, copied[WeightLayout.MAPPED.ordinal()], "mapped copies nothing");
        // Q8_0 alone may have nothing to copy: with 256-bit vectors (AVX2) it is multiplied in place.
        assertTrue(expected > 0 || quant == SynthQuant.Q8_0, "this model has matrices to copy");
        assertEquals(expected, copied[WeightLayout.INTERLEAVED.ordinal()], "the copies were sized beforehand");
        assertEquals(expected, copied[WeightLayout.INTERLEAVED_WIDE.ordinal()], "wide groups copy the same bytes");
        assertEquals(cost, stored[WeightLayout.MAPPED.ordinal()] + rest, "the matrices are what the cost model counts");
        for (float[][] logits : new float[][][] {prompts, decoded}) {
            double correlation = Correlation.of(logits[0], logits[1]);
            assertTrue(correlation > 0.999, "logits correlate at " + correlation);
        }
        // A row's sum adds the same products in the same order in groups of any width.
        assertArrayEquals(decoded[WeightLayout.INTERLEAVED.ordinal()], decoded[WeightLayout.INTERLEAVED_WIDE.ordinal()]);
    }
}
