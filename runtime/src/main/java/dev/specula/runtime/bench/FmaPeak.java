package dev.specula.runtime.bench;

import dev.specula.runtime.kernel.ComputePool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cores' fused multiply-add peak in FLOP/s: every thread runs independent FMA chains on
 * registers, enough of them to cover the FMA latency on every pipe, with no memory traffic.
 */
public final class FmaPeak {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Chains per thread: latency (4-5 cycles) times FMA pipes (2) rounded up. */
    private static final int CHAINS = 10;

    private FmaPeak() {
    }

    /**
     * FLOP/s (an FMA counts 2) of the fastest of at least {@code passes} runs of {@code iterations} per
     * thread lasting at least {@code minMillis} in all; the early, interpreted passes only warm up.
     */
    public static double measure(ComputePool pool, int iterations, int passes, long minMillis) {
        float[] sums = new float[pool.threads()];
        double flopsPerPass = 2.0 * CHAINS * FLOATS.length() * iterations * pool.threads();
        double best = BestOf.rate(passes, minMillis * 1_000_000, () -> {
            long start = System.nanoTime();
            pool.parallelFor(pool.threads(), (from, to) -> {
                for (int t = from; t < to; t++) {
                    sums[t] = chains(iterations);
                }
            });
            return flopsPerPass / ((System.nanoTime() - start) / 1e9);
        });
        Blackhole.consume(sums);
        return best;
    }

    private static float chains(int iterations) {
        // a < 1 and a small b keep every chain bounded, so no lane turns into inf or a denormal.
        FloatVector a = FloatVector.broadcast(FLOATS, 0.999f);
        FloatVector b = FloatVector.broadcast(FLOATS, 1e-3f);
        FloatVector c0 = FloatVector.broadcast(FLOATS, 0f);
        FloatVector c1 = FloatVector.broadcast(FLOATS, 1f);
        FloatVector c2 = FloatVector.broadcast(FLOATS, 2f);
        FloatVector c3 = FloatVector.broadcast(FLOATS, 3f);
        FloatVector c4 = FloatVector.broadcast(FLOATS, 4f);
        FloatVector c5 = FloatVector.broadcast(FLOATS, 5f);
        FloatVector c6 = FloatVector.broadcast(FLOATS, 6f);
        FloatVector c7 = FloatVector.broadcast(FLOATS, 7f);
        FloatVector c8 = FloatVector.broadcast(FLOATS, 8f);
        FloatVector c9 = FloatVector.broadcast(FLOATS, 9f);
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9)
                .reduceLanes(VectorOperators.ADD);
    }
}
