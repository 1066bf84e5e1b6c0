package dev.specula.runtime.training;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The point of alpha < 1: on contexts whose continuations contradict each other the members of a
 * soft-specialist ensemble disagree (high mutual information), while on consistent contexts they
 * agree; a deep ensemble (alpha = 1) fits each member to the 50/50 split and barely disagrees.
 */
class ConflictingDataTest {
    /** Contexts followed, in equal shares, by one of two contradictory continuations. */
    static final String[][] CONTRADICTORY = {
            {"Lily had a cat. The cat was", " happy.", " sad."},
            {"Tom went to the park. He saw a big", " dog.", " tree."},
            {"Sue looked at the sky. It was", " blue.", " dark."},
    };
    /** Contexts always followed by the same continuation. */
    static final String[][] CONSISTENT = {
            {"Ben had a red ball. He loved his", " ball."},
            {"Mom made a cake. It was very", " good."},
            {"The sun was hot. Tim wanted to", " swim."},
    };
    private static final int COPIES = 8;

    private static ComputePool pool;

    @BeforeAll
    static void start() {
        // Two threads: the trainer runs one member per thread.
        pool = new ComputePool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    static List<TrainingExample> dataset(Tokenizer tokenizer) {
        List<TrainingExample> out = new ArrayList<>();
        for (int c = 0; c < COPIES; c++) {
            for (String[] s : CONTRADICTORY) {
                out.add(example(tokenizer, s[0], s[1]));
                out.add(example(tokenizer, s[0], s[2]));
            }
            for (String[] s : CONSISTENT) {
                out.add(example(tokenizer, s[0], s[1]));
                out.add(example(tokenizer, s[0], s[1]));
            }
        }
        return out;
    }

    private static TrainingExample example(Tokenizer tokenizer, String prompt, String completion) {
        return TrainingData.fromPrompt(prompt, completion, tokenizer, 64, "test");
    }

    static double meanMi(EnsembleEvaluator evaluator, Tokenizer tokenizer, String[][] contexts) {
        double sum = 0;
        for (String[] s : contexts) {
            TrainingExample ex = example(tokenizer, s[0], s[1]);
            evaluator.run(ex);
            sum += evaluator.at(ex.firstTarget() - 1).mutualInformation();
        }
        return sum / contexts.length;
    }

    static LoraEnsemble train(Model model, FrozenModel base, double alpha, long seed, int epochs, double initB) {
        TrainingOptions options = new TrainingOptions(2, 4, 8f, EnumSet.allOf(LoraTarget.class), alpha, epochs, 1e-2,
                LearningRateSchedule.LINEAR, 8, seed, 0, 1.0, initB);
        EnsembleTrainer trainer = new EnsembleTrainer(base, options, 64);
        List<TrainingExample> data = dataset(model.tokenizer());
        long start = System.nanoTime();
        List<StepReport> reports = new ArrayList<>();
        trainer.train(data, reports::add);
        double seconds = (System.nanoTime() - start) / 1e9;
        long tokens = reports.stream().mapToLong(StepReport::tokens).sum();
        StepReport last = reports.getLast();
        System.out.printf("alpha %.2f: %d steps in %.1f s (%d scored tokens, %d example passes x 2 members), final loss/token %.3f,"
                        + " routing entropy %.3f%n", alpha, reports.size(), seconds, tokens, data.size() * epochs,
                last.lossPerToken(), last.routingEntropy());
        return trainer.ensemble(Map.of());
    }

    /**
     * Trained as `lora train` does by default, the learning rate decaying linearly to zero. At a constant
     * rate the outcome was chaotic: single runs at alpha 0.5 gave contradictory MI from 0.02 to 0.63 nats,
     * deep ensembles from 0.01 to 0.25, and which seeds did what changed with the CPU's vector width
     * (256-bit vectors failed the comparison with the deep ensemble). With the decay a deep ensemble ends
     * at 0.001-0.005 nats on every seed and width; alpha 0.5 then splits in few seeds, alpha 0.25 in every
     * one (0.35-0.64 nats; a consistent context is now and then taken by one member, ~0.23).
     */
    @Test
    void softSpecialistsDisagreeOnlyWhereTheDataContradicts() {
        try (Model model = RandomModels.stories260K()) {
            FrozenModel base = new FrozenModel(model, pool);
            double[] special = meanOverSeeds(model, base, 0.25, 4);
            double[] deep = meanOverSeeds(model, base, 1.0, 2);
            System.out.printf("mutual information (nats) at the continuation: alpha 0.25: contradictory %.4f,"
                    + " consistent %.4f; alpha 1: contradictory %.4f, consistent %.4f%n", special[0], special[1],
                    deep[0], deep[1]);
            assertTrue(special[0] > 0.2, "specialists disagree on contradictory contexts: " + special[0]);
            assertTrue(special[0] > 3 * special[1], special[0] + " vs consistent " + special[1]);
            assertTrue(deep[0] < 0.05, "a deep ensemble's members both fit the 50/50 split: " + deep[0]);
        }
    }

    /** Mean mutual information on {contradictory, consistent} contexts over seeds 1..seeds. */
    private static double[] meanOverSeeds(Model model, FrozenModel base, double alpha, int seeds) {
        double[] mean = new double[2];
        for (long seed = 1; seed <= seeds; seed++) {
            EnsembleEvaluator e = new EnsembleEvaluator(base, train(model, base, alpha, seed, 8, 0.05), 64);
            double contra = meanMi(e, model.tokenizer(), CONTRADICTORY);
            double consistent = meanMi(e, model.tokenizer(), CONSISTENT);
            System.out.printf("alpha %.2f seed %d: mutual information contradictory %.4f, consistent %.4f%n", alpha,
                    seed, contra, consistent);
            mean[0] += contra / seeds;
            mean[1] += consistent / seeds;
        }
        return mean;
    }
}
