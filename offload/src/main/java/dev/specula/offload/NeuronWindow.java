package dev.specula.offload;

import java.util.Arrays;

/**
 * Which neurons of one layer are in memory, and in which slot, in at most {@code capacity} slots kept
 * dense at the front. Resident neurons are also chained from least to most recently used, so insert,
 * touch and evict are O(1): an evicted neuron's slot takes the last occupied slot's neuron (the
 * {@link SlotMover} moves its data), so occupied slots are always {@code [0, size)}.
 *
 * <p>With a window of k tokens (the paper's sliding window) a neuron leaves as soon as none of the last
 * k tokens used it. With {@link #KEEP_WHILE_ROOM} nothing expires: neurons stay while there are free
 * slots, which saves re-reading them when the budget has room beyond the window. Either way a full cache
 * evicts the least recently used neuron that the current token does not need, and drops misses when
 * every slot holds a neuron of the current token.
 *
 * <p>Per token: {@link #beginToken()}, {@link #use} for each neuron the predictor picks (ascending),
 * then {@link #admit()}. Every array is allocated once; nothing is allocated per token.
 */
final class NeuronWindow {
    /** Moves a cached neuron's weights between slots. */
    interface SlotMover {
        void move(int fromSlot, int toSlot);
    }

    /** Window length meaning: never expire, keep neurons while there is room. */
    static final int KEEP_WHILE_ROOM = 0;

    private static final int NEVER = Integer.MIN_VALUE;
    private static final int NONE = -1;

    private final int capacity;
    private final int window;
    private final SlotMover mover;
    private final int[] slotNeuron;
    private final int[] neuronSlot;
    private final int[] lastUsed;
    /** Recency chain of resident neurons: {@code older[n]}, {@code newer[n]}, from {@code oldest} to {@code newest}. */
    private final int[] older;
    private final int[] newer;
    private int oldest = NONE;
    private int newest = NONE;
    private final int[] current;
    private int currentCount;
    private final int[] misses;
    private int missCount;
    private int admitted;
    private int size;
    private int token = -1;
    private long hits;
    private long loads;
    private long dropped;

    NeuronWindow(int neurons, int capacity, int window, SlotMover mover) {
        if (capacity < 1 || capacity > neurons || window < 0) {
            throw new IllegalArgumentException("capacity " + capacity + " of " + neurons + ", window " + window);
        }
        this.capacity = capacity;
        this.window = window;
        this.mover = mover;
        slotNeuron = new int[capacity];
        neuronSlot = new int[neurons];
        lastUsed = new int[neurons];
        older = new int[neurons];
        newer = new int[neurons];
        current = new int[neurons];
        misses = new int[neurons];
        Arrays.fill(neuronSlot, NONE);
        Arrays.fill(lastUsed, NEVER);
    }

    /** Starts the next token. */
    void beginToken() {
        token++;
        currentCount = 0;
        missCount = 0;
        admitted = 0;
    }

    /** Marks {@code neuron} used by this token; returns whether it was already in memory. */
    boolean use(int neuron) {
        lastUsed[neuron] = token;
        current[currentCount++] = neuron;
        if (neuronSlot[neuron] >= 0) {
            hits++;
            unlink(neuron);
            append(neuron);
            return true;
        }
        misses[missCount++] = neuron;
        return false;
    }

    /**
     * Expires neurons older than the window, then gives each miss a slot, evicting the least recently
     * used neurons when full; misses that still do not fit are dropped for this token. Returns how many
     * misses got a slot: they are {@code misses()[0 .. n)}, still ascending.
     */
    int admit() {
        if (window != KEEP_WHILE_ROOM) {
            while (oldest != NONE && lastUsed[oldest] <= token - window) {
                evict(oldest);
            }
        }
        for (int m = 0; m < missCount; m++) {
            if (size == capacity) {
                if (oldest == NONE || lastUsed[oldest] == token) {
                    dropped += missCount - m;
                    break;
                }
                evict(oldest);
            }
            int neuron = misses[m];
            slotNeuron[size] = neuron;
            neuronSlot[neuron] = size++;
            append(neuron);
            admitted++;
        }
        loads += admitted;
        return admitted;
    }

    private void append(int neuron) {
        older[neuron] = newest;
        newer[neuron] = NONE;
        if (newest != NONE) {
            newer[newest] = neuron;
        } else {
            oldest = neuron;
        }
        newest = neuron;
    }

    private void unlink(int neuron) {
        int o = older[neuron];
        int n = newer[neuron];
        if (o != NONE) {
            newer[o] = n;
        } else {
            oldest = n;
        }
        if (n != NONE) {
            older[n] = o;
        } else {
            newest = o;
        }
    }

    private void evict(int neuron) {
        unlink(neuron);
        int slot = neuronSlot[neuron];
        int last = --size;
        if (slot != last) {
            int moved = slotNeuron[last];
            mover.move(last, slot);
            slotNeuron[slot] = moved;
            neuronSlot[moved] = slot;
        }
        neuronSlot[neuron] = NONE;
    }

    /**
     * Writes the slots of the neurons this token uses and has in memory to {@code out}, those that were
     * there before this token first and then the {@link #admitted()} ones (so the others can be computed
     * while these are read); returns their count.
     */
    int activeSlots(int[] out) {
        int n = 0;
        int m = 0;
        for (int k = 0; k < currentCount; k++) {
            int neuron = current[k];
            if (m < admitted && misses[m] == neuron) {
                m++;
                continue;
            }
            int slot = neuronSlot[neuron];
            if (slot >= 0) {
                out[n++] = slot;
            }
        }
        for (int j = 0; j < admitted; j++) {
            out[n++] = neuronSlot[misses[j]];
        }
        return n;
    }

    /** Misses of this token that got a slot, as returned by {@link #admit()}. */
    int admitted() {
        return admitted;
    }

    int[] misses() {
        return misses;
    }

    /** Misses of this token: {@code misses()[0 .. admitted)} got a slot, the rest were dropped. */
    int missCount() {
        return missCount;
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /** Slot of {@code neuron}, or -1 when not in memory. */
    int slot(int neuron) {
        return neuronSlot[neuron];
    }

    int neuronAt(int slot) {
        return slotNeuron[slot];
    }

    long hits() {
        return hits;
    }

    long loads() {
        return loads;
    }

    long dropped() {
        return dropped;
    }
}
