package dev.specula.runtime.bench;

import java.util.function.DoubleSupplier;

/**
 * The best rate of many short passes of a measurement. On a shared machine other processes only ever
 * slow a pass down, and a pass that ran before the JIT compiled its loop is slow too; short passes
 * spread over a while are likely to include some that ran alone on compiled code, and the fastest of
 * them is the closest to what the hardware can do. A few long passes are easily all disturbed.
 */
final class BestOf {

    private BestOf() {
    }

    /** The highest value {@code pass} returned over at least {@code minPasses} calls and {@code minNanos}. */
    static double rate(int minPasses, long minNanos, DoubleSupplier pass) {
        if (minPasses < 1) {
            throw new IllegalArgumentException("at least one pass, got " + minPasses);
        }
        long start = System.nanoTime();
        double best = 0;
        for (int p = 0; p < minPasses || System.nanoTime() - start < minNanos; p++) {
            best = Math.max(best, pass.getAsDouble());
        }
        return best;
    }
}
