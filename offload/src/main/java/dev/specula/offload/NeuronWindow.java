package dev.specula.offload;

import java.util.Arrays;

/**
 * Which neurons of one layer are in memory, and in which slot: the neurons used by the last
 * {@code window} tokens (the paper's sliding window), in at most {@code capacity} slots kept dense
 * at the front. Insert and evict are O(1): an evicted neuron's slot takes the last occupied slot's
 * neuron (the {@link SlotMover} moves its data), so occupied slots are always {@code [0, size)}.
 *
 * <p>Per token: {@link #beginToken()}, {@link #use} for each neuron the predictor picks (ascending),
 * then {@link #admit()} evicts the neurons whose last use is now {@code window} tokens old and places
 * the misses. So a neuron stays while any of the last {@code window} tokens, this one included, used it.
 * Every array is allocated once; nothing is allocated per token.
 */
final class NeuronWindow {
    /** Moves a cached neuron's weights between slots. */
    interface SlotMover {
        void move(int fromSlot, int toSlot);
    }

    private static final int NEVER = Integer.MIN_VALUE;

    private final int capacity;
    private final int window;
    private final SlotMover mover;
    private final int[] slotNeuron;
    private final int[] neuronSlot;
    private final int[] lastUsed;
    /** ring[t % (window + 1)]: the neurons used by token t; drained (from ringCursor) as it expires. */
    private final int[][] ring;
    private final int[] ringSize;
    private final int[] ringCursor;
    private final int[] misses;
    private int missCount;
    private int admitted;
    private int size;
    private int token = -1;
    private long hits;
    private long loads;
    private long dropped;

    NeuronWindow(int neurons, int capacity, int window, SlotMover mover) {
        if (capacity < 1 || capacity > neurons || window < 1) {
            throw new IllegalArgumentException("capacity " + capacity + " of " + neurons + ", window " + window);
        }
        this.capacity = capacity;
        this.window = window;
        this.mover = mover;
        slotNeuron = new int[capacity];
        neuronSlot = new int[neurons];
        lastUsed = new int[neurons];
        ring = new int[window + 1][neurons];
        ringSize = new int[window + 1];
        ringCursor = new int[window + 1];
        misses = new int[neurons];
        Arrays.fill(neuronSlot, -1);
        Arrays.fill(lastUsed, NEVER);
    }

    /** Starts the next token. */
    void beginToken() {
        token++;
        int r = token % ring.length;
        ringSize[r] = 0;
        ringCursor[r] = 0;
        missCount = 0;
        admitted = 0;
    }

    /** Marks {@code neuron} used by this token; returns whether it was already in memory. */
    boolean use(int neuron) {
        lastUsed[neuron] = token;
        int r = token % ring.length;
        ring[r][ringSize[r]++] = neuron;
        if (neuronSlot[neuron] >= 0) {
            hits++;
            return true;
        }
        misses[missCount++] = neuron;
        return false;
    }

    /**
     * Gives each miss a slot, evicting neurons of the oldest tokens in the window when full; misses
     * that still do not fit are dropped for this token. Returns how many misses got a slot: they are
     * {@code misses()[0 .. n)}, still ascending.
     */
    int admit() {
        int expired = token - window;
        if (expired >= 0) {
            drain(expired % ring.length, expired, Integer.MAX_VALUE);
        }
        for (int m = 0; m < missCount; m++) {
            if (size == capacity && !evictOldest()) {
                dropped += missCount - m;
                for (int d = m; d < missCount; d++) {
                    lastUsed[misses[d]] = NEVER; // not in memory: its ring entry must not evict anything
                }
                break;
            }
            int neuron = misses[m];
            slotNeuron[size] = neuron;
            neuronSlot[neuron] = size++;
            admitted++;
        }
        loads += admitted;
        return admitted;
    }

    /** Evicts one neuron not used by the current token, oldest token first; false if there is none. */
    private boolean evictOldest() {
        for (int age = window - 1; age >= 1; age--) {
            int t = token - age;
            if (t < 0) {
                continue;
            }
            if (drain(t % ring.length, t, 1) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Evicts up to {@code limit} neurons of ring entry {@code r} whose last use was token {@code t}. */
    private int drain(int r, int t, int limit) {
        int evicted = 0;
        while (ringCursor[r] < ringSize[r] && evicted < limit) {
            int neuron = ring[r][ringCursor[r]++];
            if (lastUsed[neuron] == t && neuronSlot[neuron] >= 0) {
                evict(neuron);
                evicted++;
            }
        }
        return evicted;
    }

    private void evict(int neuron) {
        int slot = neuronSlot[neuron];
        int last = --size;
        if (slot != last) {
            int moved = slotNeuron[last];
            mover.move(last, slot);
            slotNeuron[slot] = moved;
            neuronSlot[moved] = slot;
        }
        neuronSlot[neuron] = -1;
    }

    /** Writes the slots of the neurons this token uses and has in memory to {@code out}; returns their count. */
    int activeSlots(int[] out) {
        int r = token % ring.length;
        int n = 0;
        for (int k = 0; k < ringSize[r]; k++) {
            int slot = neuronSlot[ring[r][k]];
            if (slot >= 0) {
                out[n++] = slot;
            }
        }
        return n;
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
