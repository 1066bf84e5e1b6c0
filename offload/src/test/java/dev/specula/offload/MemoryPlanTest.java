package dev.specula.offload;

import dev.specula.runtime.SpeculaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryPlanTest {
    @TempDir
    Path dir;

    @Test
    void splitsTheBudgetAndRefusesOneTooSmallNamingTheMinimum() {
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir, false);
        try (FlashModel fm = FlashModel.open(flash, false, true)) {
            long kv = 1 << 20;
            MemoryPlan unlimited = MemoryPlan.of(fm, PredictorKind.LOW_RANK, 0.8, 5, 0, kv, 4096, 1 << 18, 1);
            assertEquals(fm.config().hiddenDim(), unlimited.capacity());
            long perNeuron = unlimited.cache() / unlimited.capacity();
            // A budget that cannot cache whole layers also holds the two neuron groups prompts stream layers through.
            long fixed = unlimited.total() - unlimited.cache() + FlashFeedForward.prefillBytes(fm.config().dim(),
                    fm.config().hiddenDim(), perNeuron / fm.config().layers(), 1);

            long budget = fixed + 100 * perNeuron + perNeuron / 2;
            MemoryPlan tight = MemoryPlan.of(fm, PredictorKind.LOW_RANK, 0.8, 5, budget, kv, 4096, 1 << 18, 1);
            assertEquals(100, tight.capacity());
            assertTrue(tight.total() <= budget);
            assertTrue(tight.describe().contains("100 of 172 neurons per layer"), tight.describe());

            // Sparsity 0.8 needs room for ceil(0.2 * 172) = 35 neurons per layer.
            SpeculaException e = assertThrows(SpeculaException.class,
                    () -> MemoryPlan.of(fm, PredictorKind.LOW_RANK, 0.8, 5, fixed + 34 * perNeuron, kv, 4096, 1 << 18, 1));
            assertTrue(e.getMessage().startsWith("memory budget"), e.getMessage());
            assertTrue(e.getMessage().contains("at least " + dev.specula.devices.ByteSize.format(fixed + 35 * perNeuron)),
                    e.getMessage());
            assertTrue(e.getMessage().contains("35 of 172 neurons"), e.getMessage());
            MemoryPlan exact = MemoryPlan.of(fm, PredictorKind.LOW_RANK, 0.8, 5, fixed + 35 * perNeuron, kv, 4096, 1 << 18, 1);
            assertEquals(35, exact.capacity());
        }
    }
}
