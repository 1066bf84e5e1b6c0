package dev.specula.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.WeightLayout;
import org.junit.jupiter.api.Test;

class WeightsChoiceTest {

    private static final long MiB = 1L << 20;
    private static final long GiB = 1L << 30;

    @Test
    void namesAreReadInAnyCaseAndOthersAreErrorsNamingTheOption() {
        assertEquals(WeightsChoice.MAPPED, WeightsChoice.named("Mapped"));
        assertEquals(WeightsChoice.INTERLEAVED, WeightsChoice.named("interleaved"));
        assertEquals(WeightsChoice.AUTO, WeightsChoice.named(WeightsChoice.DEFAULT));
        SpeculaException e = assertThrows(SpeculaException.class, () -> WeightsChoice.named("copy"));
        assertEquals("invalid --weights copy: must be auto, mapped or interleaved", e.getMessage());
    }

    @Test
    void autoCopiesOnlyWhatLeavesAQuarterOfTheAvailableMemoryAndHalfAGibibyteFree() {
        assertEquals(WeightLayout.INTERLEAVED, WeightsChoice.layoutFor(0, 100 * MiB), "nothing to copy");
        assertEquals(WeightLayout.INTERLEAVED, WeightsChoice.layoutFor(GiB, 8 * GiB));
        assertEquals(WeightLayout.INTERLEAVED, WeightsChoice.layoutFor(6 * GiB, 8 * GiB), "2 GiB of 8 left: a quarter");
        assertEquals(WeightLayout.MAPPED, WeightsChoice.layoutFor(6 * GiB + 1, 8 * GiB));
        assertEquals(WeightLayout.INTERLEAVED, WeightsChoice.layoutFor(GiB, GiB + 512 * MiB), "512 MiB left");
        assertEquals(WeightLayout.MAPPED, WeightsChoice.layoutFor(GiB, GiB + 511 * MiB));
        assertEquals(WeightLayout.MAPPED, WeightsChoice.layoutFor(2 * GiB, GiB), "more than there is");
    }

    @Test
    void anExplicitChoiceIsKeptWhateverTheMemory() {
        assertEquals(WeightLayout.MAPPED, WeightsChoice.MAPPED.layoutFor(null));
        assertEquals(WeightLayout.INTERLEAVED, WeightsChoice.INTERLEAVED.layoutFor(null));
    }
}
