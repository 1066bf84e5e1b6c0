package dev.specula.runtime.engine;

/**
 * How an {@link Attention}'s key/value cache grows with its sequence: from {@value #INITIAL_POSITIONS} positions,
 * doubling, up to its capacity. Every generation starts a session, and a cache allocated whole at once (2048
 * positions of tinyllama-1.1b: 92 MB, four times that for a K=4 ensemble) was zeroed, made resident and collected
 * again for requests of a few hundred tokens.
 */
public final class KvCacheGrowth {

    /** Positions a new cache holds, unless its capacity is smaller. */
    public static final int INITIAL_POSITIONS = 256;

    private KvCacheGrowth() {
    }

    /** Positions a new cache of {@code capacity} positions holds. */
    public static int initial(int capacity) {
        return Math.min(capacity, INITIAL_POSITIONS);
    }

    /** Positions a cache holding {@code held} grows to so that it holds {@code needed}: doubling, at most {@code capacity}. */
    public static int grown(int held, int needed, int capacity) {
        return Math.min(capacity, Math.max(needed, 2 * held));
    }
}
