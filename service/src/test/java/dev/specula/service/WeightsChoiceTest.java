package dev.specula.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertTrue(WeightsChoice.fits(0, 100 * MiB), "nothing to copy");
        assertTrue(WeightsChoice.fits(GiB, 8 * GiB));
        assertTrue(WeightsChoice.fits(6 * GiB, 8 * GiB), "2 GiB of 8 left: a quarter");
        assertFalse(WeightsChoice.fits(6 * GiB + 1, 8 * GiB));
        assertTrue(WeightsChoice.fits(GiB, GiB + 512 * MiB), "512 MiB left");
        assertFalse(WeightsChoice.fits(GiB, GiB + 511 * MiB));
        assertFalse(WeightsChoice.fits(2 * GiB, GiB), "more than there is");
    }

    @Test
    void anExplicitChoiceIsKeptWhateverTheMemoryInGroupsForWhatDecodes() {
        assertEquals(WeightLayout.MAPPED, WeightsChoice.MAPPED.layoutFor(null, false));
        assertEquals(WeightLayout.MAPPED, WeightsChoice.MAPPED.layoutFor(null, true));
        assertEquals(WeightLayout.INTERLEAVED_WIDE, WeightsChoice.INTERLEAVED.layoutFor(null, false), "one sequence");
        assertEquals(WeightLayout.INTERLEAVED, WeightsChoice.INTERLEAVED.layoutFor(null, true), "an ensemble's members");
    }
}
