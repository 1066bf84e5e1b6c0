package dev.specula.gpu;

import dev.specula.runtime.kernel.ComputePool;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelBenchmarkTest {

    private static final KernelBenchmark.Options TINY = new KernelBenchmark.Options(96, List.of(7, 300),
            Duration.ofMillis(1), 2);

    @Test
    void everyKernelRunsOnBothSidesAndAgrees() {
        try (ComputePool pool = new ComputePool(2)) {
            List<KernelBenchmark.Row> streamed = new ArrayList<>();
            List<KernelBenchmark.Row> rows = new KernelBenchmark(pool, Optional.of(Pocl.kernels()), TINY).run(streamed::add);
            assertEquals(rows, streamed);
            assertEquals(KernelBenchmark.MATVEC_TYPES.size() + 2 + 3, rows.size());
            assertEquals(List.of("matvec F32", "matvec F16", "matvec BF16", "matvec Q8_0", "matvec Q4_0", "attention",
                    "attention", "rmsnorm", "swiglu", "lora bgmv"), rows.stream().map(KernelBenchmark.Row::kernel).toList());
            for (KernelBenchmark.Row r : rows) {
                assertTrue(r.cpuSeconds() > 0 && r.gpuSeconds() > 0, r.toString());
                assertTrue(r.bytes() > 0 && Double.isFinite(r.speedup()), r.toString());
                // the device computes the same function as the CPU kernels (float rounding only)
                assertTrue(r.maxError() < 1e-4, r.toString());
            }
            assertEquals(96L * 96 * 4 + 8 * 96, rows.getFirst().bytes(), "F32 weights plus x and y");
        }
    }

    @Test
    void withoutADeviceOnlyTheCpuIsMeasured() {
        try (ComputePool pool = new ComputePool(1)) {
            List<KernelBenchmark.Row> rows = new KernelBenchmark(pool, Optional.empty(), TINY).run(r -> { });
            assertEquals(10, rows.size());
            for (KernelBenchmark.Row r : rows) {
                assertTrue(r.cpuSeconds() > 0 && r.cpuGigabytesPerSecond() > 0, r.toString());
                assertTrue(Double.isNaN(r.gpuSeconds()) && Double.isNaN(r.maxError()) && Double.isNaN(r.speedup()));
            }
        }
    }

    @Test
    void relativeErrorIsScaledByTheLargestReference() {
        assertEquals(0.1, KernelBenchmark.relativeError(new float[] {10, -2}, new float[] {9, -2}), 1e-9);
        assertEquals(0, KernelBenchmark.relativeError(new float[] {0}, new float[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new KernelBenchmark.Options(100, List.of(8), Duration.ZERO, 1));
    }
}
