package dev.specula.runtime.training;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.RopeStyle;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnsembleEvaluatorTest {
    private static final List<TrainingExample> DATA = List.of(
            new TrainingExample(new int[]{1, 7, 3, 9, 22, 5, 13}, 1),
            new TrainingExample(new int[]{1, 30, 31, 2, 8}, 3));

    private static LoraAdapter adapter(Model model, long seed) {
        return LoraAdapter.random(model.config(), 2, 4f, EnumSet.of(LoraTarget.Q, LoraTarget.UP), new Random(seed),
                0.3, 0.5);
    }

    @Test
    void identicalMembersAgreeAndDifferentOnesDisagree() {
        try (ComputePool pool = new ComputePool(1)) {
            Model model = RandomModels.random(RandomModels.tiny(RopeStyle.HALF), 4);
            FrozenModel base = new FrozenModel(model, pool);
            LoraEnsemble same = LoraEnsemble.uniform(List.of(adapter(model, 1), adapter(model, 1)), "random.gguf");
            EvaluationReport r = new EnsembleEvaluator(base, same, 16).evaluate(DATA);
            assertEquals(6 + 2, r.tokens());
            assertEquals(0, r.mutualInformation(), 1e-9);
            assertEquals(r.memberPerplexity()[0], r.mixturePerplexity(), 1e-6 * r.mixturePerplexity());
            assertEquals(Math.log(2), r.routingEntropy(), 1e-12, "identical members share every example");
            assertTrue(r.calibrationError() >= 0 && r.calibrationError() <= 1);

            LoraEnsemble different = LoraEnsemble.uniform(List.of(adapter(model, 1), adapter(model, 2)), "random.gguf");
            EvaluationReport d = new EnsembleEvaluator(base, different, 16).evaluate(DATA);
            assertTrue(d.mutualInformation() > 1e-3, "MI " + d.mutualInformation());
            // The mixture's log-likelihood is at least the mean of the members' (Jensen), per token.
            double meanMemberNll = (Math.log(d.memberPerplexity()[0]) + Math.log(d.memberPerplexity()[1])) / 2;
            assertTrue(Math.log(d.mixturePerplexity()) <= meanMemberNll + 1e-9);
        }
    }
}
