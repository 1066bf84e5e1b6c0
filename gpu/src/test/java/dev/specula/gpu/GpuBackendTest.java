package dev.specula.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpuBackendTest {

    @Test
    void offAndAutoWithoutAGpuFallBackToTheCpu() {
        assertEquals(Optional.empty(), GpuBackend.open("off"));
        assertEquals(Optional.empty(), GpuBackend.open(new GpuSelection.Auto(), List.of()));
        // a CPU device such as PoCL: auto must not pick it (described, not discovered: the test device
        // is a real GPU where -Dspecula.gpu.test selects one)
        assertEquals(Optional.empty(), GpuBackend.open(new GpuSelection.Auto(), List.of(GpuSelectionTest.POCL)));
    }

    @Test
    void explicitSelectionOpensTheDevice() {
        OpenClDevice pocl = Pocl.device();
        Optional<GpuBackend> b = GpuBackend.open(String.valueOf(pocl.index()));
        assertTrue(b.isPresent());
        try (GpuBackend backend = b.get()) {
            assertEquals(pocl, backend.device());
            float[] y = backend.kernels().swiglu(new float[] {0, 1}, new float[] {5, 2}, 2);
            assertArrayEquals(new float[] {0, (float) (2 / (1 + Math.exp(-1)))}, y, 1e-6f);
        }
    }

    @Test
    void unknownDeviceIsAnErrorNotAFallback() {
        assertThrows(GpuSelection.SelectionException.class, () -> GpuBackend.open("no-such-device-xyz"));
        assertThrows(GpuSelection.SelectionException.class, () -> GpuBackend.open(new GpuSelection.Name("x"), List.of()));
    }
}
