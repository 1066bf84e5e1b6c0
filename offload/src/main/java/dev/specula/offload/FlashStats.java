package dev.specula.offload;

import java.util.Locale;

/**
 * Totals of a {@link FlashFeedForward} since it was created. A "step" is one token through one
 * layer; per-token figures divide by {@code tokens = steps / layers}.
 */
public record FlashStats(long steps, int layers, int hidden, long active, long hits, long loads, long dropped,
                         long bytesRead, long reads, long predictNanos, long ioNanos, long computeNanos, boolean direct) {

    /** What happened between {@code earlier} and this snapshot. */
    public FlashStats since(FlashStats earlier) {
        return new FlashStats(steps - earlier.steps, layers, hidden, active - earlier.active, hits - earlier.hits,
                loads - earlier.loads, dropped - earlier.dropped, bytesRead - earlier.bytesRead, reads - earlier.reads,
                predictNanos - earlier.predictNanos, ioNanos - earlier.ioNanos, computeNanos - earlier.computeNanos, direct);
    }

    public long tokens() {
        return layers == 0 ? 0 : steps / layers;
    }

    /** Fraction of the neurons used that were already in memory. */
    public double hitRate() {
        return active == 0 ? 0 : (double) hits / active;
    }

    /** Fraction of neurons not used, over all steps. */
    public double sparsity() {
        return steps == 0 ? 0 : 1 - (double) active / (steps * (double) hidden);
    }

    public double bytesPerToken() {
        return tokens() == 0 ? 0 : (double) bytesRead / tokens();
    }

    public String describe() {
        return String.format(Locale.ROOT,
                "[offload] %d tokens | sparsity %.1f%% | cache hit rate %.1f%% | %.1f KiB read per token in %.1f reads (%s)"
                        + " | dropped %d | time: predict %.1f ms, I/O %.1f ms, FFN compute %.1f ms",
                tokens(), 100 * sparsity(), 100 * hitRate(), bytesPerToken() / 1024,
                tokens() == 0 ? 0 : (double) reads / tokens(), direct ? "O_DIRECT" : "page cache", dropped,
                predictNanos / 1e6, ioNanos / 1e6, computeNanos / 1e6);
    }
}
