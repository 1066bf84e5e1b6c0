package dev.specula.runtime.training;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.RopeStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnsembleTrainerTest {
    private static ComputePool pool;
    private static Model model;
    private static FrozenModel base;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pool = new ComputePool(1);
        model = RandomModels.random(RandomModels.tiny(RopeStyle.INTERLEAVED), 5);
        base = new FrozenModel(model, pool);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static List<TrainingExample> data() {
        SplittableRandom r = new SplittableRandom(9);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int[] tokens = new int[6 + r.nextInt(6)];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = r.nextInt(40);
            }
            out.add(new TrainingExample(tokens, 1 + r.nextInt(3)));
        }
        return out;
    }

    private static TrainingOptions options(int epochs) {
        return new TrainingOptions(3, 2, 4f, EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.DOWN), 0.5, epochs,
                1e-2, LearningRateSchedule.LINEAR, 4, 3, 1e-3, 1.0, 0.05);
    }

    @Test
    void membersStartAsDifferentFunctions() {
        EnsembleTrainer trainer = new EnsembleTrainer(base, options(1), 16);
        LoraBackprop pass = new LoraBackprop(base, 16);
        TrainingExample ex = data().getFirst();
        double l0 = pass.forward(trainer.member(0).adapter(), ex);
        double l1 = pass.forward(trainer.member(1).adapter(), ex);
        assertTrue(Math.abs(l0 - l1) > 1e-4, l0 + " vs " + l1);
    }

    @Test
    void trainingLowersTheLoss() {
        EnsembleTrainer trainer = new EnsembleTrainer(base, options(15), 16);
        List<StepReport> reports = new ArrayList<>();
        trainer.train(data(), reports::add);
        assertEquals(15 * 3, reports.size());
        double first = reports.getFirst().lossPerToken();
        double last = reports.getLast().lossPerToken();
        assertTrue(last < 0.8 * first, "loss per token " + first + " -> " + last);
    }

    @Test
    void resumingFromACheckpointEqualsAnUninterruptedRun() {
        List<TrainingExample> data = data();
        EnsembleTrainer straight = new EnsembleTrainer(base, options(2), 16);
        straight.train(data, r -> { });

        EnsembleTrainer first = new EnsembleTrainer(base, options(2), 16);
        Path checkpoint = dir.resolve("ck");
        assertThrows(IllegalStateException.class, () -> first.train(data, r -> {
            if (r.step() == 4) {
                TrainingCheckpoint.save(checkpoint, first);
                throw new IllegalStateException("interrupted");
            }
        }));
        EnsembleTrainer resumed = new EnsembleTrainer(base, options(2), 16);
        TrainingCheckpoint.restore(checkpoint, resumed);
        assertEquals(1, resumed.epoch());
        assertEquals(1, resumed.nextBatch(), "3 batches per epoch: step 4 was epoch 1's first");
        resumed.train(data, r -> assertTrue(r.step() > 4));
        for (int k = 0; k < 3; k++) {
            List<float[]> a = straight.member(k).parameters();
            List<float[]> b = resumed.member(k).parameters();
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i), b.get(i), "member " + k + " tensor " + i);
            }
        }
        assertFalse(java.util.Arrays.equals(first.member(0).parameters().get(0), straight.member(0).parameters().get(0)),
                "the interrupted run stopped short");
    }

    @Test
    void clippingBoundsTheGlobalNorm() {
        List<float[]> g = List.of(new float[]{3, 0}, new float[]{0, 4});
        assertEquals(5, AdamW.clipGlobalNorm(g, 1.0), 1e-9);
        assertEquals(0.6f, g.get(0)[0], 1e-6f);
        assertEquals(0.8f, g.get(1)[1], 1e-6f);
        assertEquals(1, AdamW.clipGlobalNorm(g, 0), 1e-6, "0 disables clipping");
    }

    @Test
    void adamFirstStepMovesEachParameterByTheLearningRate() {
        float[] p = {1f, -2f, 0.5f};
        AdamW adam = AdamW.standard(List.of(p), 0.1);
        adam.step(List.of(new float[]{0.3f, -5f, 0f}), 0.01);
        // Bias-corrected first step: m/sqrt(v) = sign(g); decoupled decay lr * wd * p.
        assertEquals(1f - 0.01f - 0.001f, p[0], 1e-6f);
        assertEquals(-2f + 0.01f + 0.002f, p[1], 1e-6f);
        assertEquals(0.5f - 0.0005f, p[2], 1e-6f);
    }
}
