package dev.specula.runtime.kernel;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How a {@link ComputePool} job's slots are handed out: each thread starts with a contiguous range of its own and
 * claims pieces from its front, so its reads stream on from piece to piece; a thread whose range is empty takes
 * pieces from the back of the fullest other range. A piece is at most 1/{@value #PIECES_PER_THREAD} of a thread's
 * starting range, and half of what is left towards its end, so a thread descheduled while holding one keeps the
 * others waiting for little.
 *
 * <p>Each thread's range is one word, {@code generation << 44 | back << 22 | front}, on a cache line of its own:
 * claims are compare-and-sets that fail once the word belongs to another job, so a thread that wakes late for a
 * finished job claims nothing of the next one. The generation is the job's modulo 2^20.
 */
final class RangeClaims {

    /** The most slots a job has. */
    static final int MAX_SLOTS = (1 << 22) - 1;
    /** A claim that found nothing. */
    static final long NONE = -1;
    private static final int PIECES_PER_THREAD = 8;
    private static final int SLOT_BITS = 22;
    private static final int GENERATION_SHIFT = 2 * SLOT_BITS;
    private static final long GENERATION_MASK = (1L << (Long.SIZE - GENERATION_SHIFT)) - 1;
    /** Longs between two threads' words: two cache lines, so neither the line nor its prefetched pair is shared. */
    private static final int STRIDE = 16;

    private final int threads;
    private final AtomicLongArray words;
    /** The largest piece of the current job; published with the job's words. */
    private int cap;

    RangeClaims(int threads) {
        this.threads = threads;
        this.words = new AtomicLongArray(threads * STRIDE);
    }

    /**
     * Starts job {@code generation} over {@code slots} slots (at most {@link #MAX_SLOTS}), thread {@code t} owning
     * {@code [slots * t / threads, slots * (t + 1) / threads)}. To be published to the claiming threads by the
     * caller, after every claim of the previous job has returned.
     */
    void start(int generation, int slots) {
        if (slots < 0 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("slots " + slots + " outside 0.." + MAX_SLOTS);
        }
        cap = Math.max(1, Math.ceilDiv(slots, threads * PIECES_PER_THREAD));
        for (int t = 0; t < threads; t++) {
            words.set(t * STRIDE, word(generation, (int) ((long) slots * t / threads),
                    (int) ((long) slots * (t + 1) / threads)));
        }
    }

    /**
     * A piece {@code [from(piece), to(piece))} of job {@code generation} for thread {@code self}: from its own range's
     * front, else from the back of the range with the most slots left; {@link #NONE} when every range is empty or
     * belongs to another job.
     */
    long claim(int generation, int self) {
        long g = generation & GENERATION_MASK;
        int at = self * STRIDE;
        while (true) {
            long w = words.get(at);
            if (generation(w) != g) {
                return NONE;
            }
            int front = front(w);
            int back = back(w);
            if (front >= back) {
                return steal(g, self);
            }
            int take = pieceSize(back - front);
            if (words.compareAndSet(at, w, word(g, front + take, back))) {
                return piece(front, front + take);
            }
        }
    }

    private long steal(long g, int self) {
        while (true) {
            int victim = -1;
            long seen = 0;
            int most = 0;
            for (int t = 0; t < threads; t++) {
                long w = words.get(t * STRIDE);
                if (t != self && generation(w) == g && back(w) - front(w) > most) {
                    victim = t;
                    seen = w;
                    most = back(w) - front(w);
                }
            }
            if (victim < 0) {
                return NONE;
            }
            int back = back(seen);
            int take = pieceSize(most);
            if (words.compareAndSet(victim * STRIDE, seen, word(g, front(seen), back - take))) {
                return piece(back - take, back);
            }
        }
    }

    /** Slots to take of a range with {@code left} slots left. */
    private int pieceSize(int left) {
        return Math.max(1, Math.min(cap, left / 2));
    }

    static int from(long piece) {
        return (int) (piece >>> Integer.SIZE);
    }

    static int to(long piece) {
        return (int) piece;
    }

    private static long piece(int from, int to) {
        return (long) from << Integer.SIZE | to;
    }

    private static long word(long generation, int front, int back) {
        return (generation & GENERATION_MASK) << GENERATION_SHIFT | (long) back << SLOT_BITS | front;
    }

    private static long generation(long word) {
        return word >>> GENERATION_SHIFT;
    }

    private static int front(long word) {
        return (int) (word & MAX_SLOTS);
    }

    private static int back(long word) {
        return (int) (word >>> SLOT_BITS & MAX_SLOTS);
    }
}
