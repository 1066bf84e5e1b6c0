package dev.specula.runtime.training;

import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training forward against the inference Transformer, and its LoRA gradients against central
 * finite differences of the log-likelihood.
 */
class LoraBackpropTest {
    private static ComputePool pool;

    @BeforeAll
    static void start() {
        pool = new ComputePool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @Test
    void forwardWithZeroBMatchesInferenceLogits() {
        try (Model model = RandomModels.stories260K()) {
            int[] tokens = {1, 403, 407, 261, 378, 300, 259, 429, 270, 12, 480, 100, 2, 77, 300};
            TrainableAdapter params = TrainableAdapter.seeded(model.config(), 4, 8f, EnumSet.allOf(LoraTarget.class), 1, 0);
            LoraBackprop backprop = new LoraBackprop(new FrozenModel(model, pool), 32);
            backprop.forward(params.adapter(), new TrainingExample(tokens, 1));
            int vocab = model.config().vocabSize();
            Transformer transformer = new Transformer(model, pool, new DenseFeedForward(model, pool, 8), 8);
            float[] logits = backprop.logits();
            try (Session s = transformer.newSession(CpuAttention.factory(pool), 32)) {
                transformer.forward(s, tokens, 0, tokens.length - 1, (i, ref, off) -> {
                    for (int j = 0; j < vocab; j++) {
                        assertEquals(ref[off + j], logits[i * vocab + j], 1e-4f, "position " + i + " token " + j);
                    }
                });
            }
            assertTrue(Math.abs(logits[3 * vocab + 10] - logits[3 * vocab + 20]) > 1e-3f, "logits are not degenerate");
        }
    }

    @ParameterizedTest
    @EnumSource(RopeStyle.class)
    void gradientsMatchFiniteDifferences(RopeStyle style) {
        ModelConfig config = RandomModels.tiny(style);
        double worst = checkGradients(RandomModels.random(config, 7), new int[]{1, 5, 9, 33, 2, 17, 8, 30, 11, 4}, 3, 4);
        System.out.printf("gradient check (%s rope, random model): worst relative error %.2e%n", style, worst);
    }

    @Test
    void gradientsMatchFiniteDifferencesOnStories260K() {
        try (Model model = RandomModels.stories260K()) {
            double worst = checkGradients(model, new int[]{1, 403, 407, 261, 378, 300, 259, 429}, 1, 2);
            System.out.printf("gradient check (stories260K): worst relative error %.2e%n", worst);
        }
    }

    /**
     * Checks {@code perTarget} random entries of A and of B for every projection type, in double
     * central differences of a float forward; returns the worst relative error seen. The float
     * forward's rounding leaves about 2e-4 of absolute noise in the differences, hence the 0.1
     * floor under the relative error's denominator.
     */
    private static double checkGradients(Model model, int[] tokens, int firstTarget, int perTarget) {
        ModelConfig config = model.config();
        TrainableAdapter params = TrainableAdapter.seeded(config, 3, 6f, EnumSet.allOf(LoraTarget.class), 11, 0.2);
        LoraBackprop backprop = new LoraBackprop(new FrozenModel(model, pool), tokens.length);
        TrainingExample example = new TrainingExample(tokens, firstTarget);
        params.zeroGradients();
        backprop.forward(params.adapter(), example);
        backprop.backward(params, 1f);
        SplittableRandom random = new SplittableRandom(3);
        double worst = 0;
        for (LoraTarget p : LoraTarget.values()) {
            for (int i = 0; i < perTarget; i++) {
                int layer = random.nextInt(config.layers());
                boolean isA = i % 2 == 0;
                float[] values = isA ? params.adapter().a(p, layer) : params.adapter().b(p, layer);
                float[] grads = isA ? params.gradA(p, layer) : params.gradB(p, layer);
                int at = random.nextInt(values.length);
                float saved = values[at];
                float h = 1e-2f;
                values[at] = saved + h;
                double plus = backprop.forward(params.adapter(), example);
                values[at] = saved - h;
                double minus = backprop.forward(params.adapter(), example);
                values[at] = saved;
                double numeric = (plus - minus) / (2 * h);
                double analytic = grads[at];
                double error = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric) + Math.abs(analytic), 0.1);
                worst = Math.max(worst, error);
                assertTrue(error < 1e-2, p + (isA ? " A" : " B") + " layer " + layer + " index " + at
                        + ": analytic " + analytic + " numeric " + numeric);
            }
        }
        return worst;
    }
}
