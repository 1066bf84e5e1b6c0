package dev.specula.runtime.lora;

import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.engine.EnsembleSession;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.RopeStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One PEFT adapter (rotate-half q/k rows, as PEFT writes them) applied to the same model in two
 * layouts: the Hugging Face F32 folder (rotate-half RoPE, used as is) and llama.cpp's Q8_0 GGUF
 * (interleaved RoPE, q/k rows permuted on load). The adapter must change both models' logits the
 * same way; without the permutation it does not.
 */
class PeftLayoutParityTest {
    private static final int[] TOKENS = {1, 200, 300, 400, 500, 600, 700, 800};

    @TempDir
    Path dir;

    @Test
    void peftAdapterActsTheSameOnRotateHalfAndInterleavedLayouts() {
        Path shared = Path.of(System.getProperty("specula.shared", "../shared"), "models");
        try (ComputePool pool = new ComputePool(2);
             Model hf = ModelLoader.load(shared.resolve("tinystories-656k"), null, false);
             Model gguf = ModelLoader.load(shared.resolve("TinyStories-656K-Q8_0.gguf"), null, false)) {
            assertEquals(RopeStyle.HALF, hf.config().ropeStyle());
            assertEquals(RopeStyle.INTERLEAVED, gguf.config().ropeStyle());
            LoraAdapter halfLayout = LoraAdapter.random(hf.config(), 4, 4, EnumSet.of(LoraTarget.Q, LoraTarget.K),
                    new Random(9), 0.3, 0.3);
            Path folder = dir.resolve("adapter");
            PeftAdapter.write(folder, halfLayout, "tinystories-656k");
            LoraAdapter forHf = PeftAdapter.read(folder, hf.config());
            LoraAdapter forGguf = PeftAdapter.read(folder, gguf.config());

            float[] hfDelta = delta(pool, hf, forHf);
            float[] ggufDelta = delta(pool, gguf, forGguf);
            float[] unpermutedDelta = delta(pool, gguf, forHf);
            double norm = norm(hfDelta, null);
            double error = norm(hfDelta, ggufDelta) / norm;
            double unpermutedError = norm(hfDelta, unpermutedDelta) / norm;
            assertTrue(norm > 1, "the adapter barely changes the logits: |delta| " + norm);
            assertTrue(error < 0.1, "relative error of the GGUF delta " + error);
            assertTrue(unpermutedError > 0.3, "the unpermuted adapter should act differently: " + unpermutedError);
        }
    }

    /** Logits with the adapter minus logits without it, after every token. */
    private static float[] delta(ComputePool pool, Model model, LoraAdapter adapter) {
        int vocab = model.config().vocabSize();
        Transformer base = new Transformer(model, pool, new DenseFeedForward(model, pool, 8), 8);
        EnsembleTransformer adapted = new EnsembleTransformer(base, LoraEnsemble.uniform(List.of(adapter), ""), pool);
        float[] out = new float[TOKENS.length * vocab];
        try (Session s = base.newSession(CpuAttention.factory(pool), 16);
             EnsembleSession e = adapted.newSession(CpuAttention.factory(pool), 16)) {
            for (int i = 0; i < TOKENS.length; i++) {
                float[] plain = Arrays.copyOf(base.forward(s, TOKENS, i, 1), vocab);
                float[] with = adapted.forward(e, TOKENS, i, 1);
                for (int v = 0; v < vocab; v++) {
                    out[i * vocab + v] = with[v] - plain[v];
                }
            }
        }
        return out;
    }

    private static double norm(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - (b == null ? 0 : b[i]);
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
