package dev.specula.offload;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeuronWindowTest {

    /** Mirrors slot contents the way the slabs do, so moves can be checked. */
    static final class Slots implements NeuronWindow.SlotMover {
        final int[] content;
        int moves;

        Slots(int capacity) {
            content = new int[capacity];
        }

        @Override
        public void move(int from, int to) {
            content[to] = content[from];
            moves++;
        }
    }

    @Test
    void keepsNeuronsOfTheLastKTokensAndEvictsOlderOnes() {
        Slots slots = new Slots(10);
        NeuronWindow w = new NeuronWindow(10, 10, 2, slots);
        token(w, slots, 1, 2, 3);
        token(w, slots, 3, 4);
        assertEquals(4, w.size(), "tokens 0 and 1 used 1,2,3,4");
        token(w, slots, 4, 5);
        // Window 2: token 2 keeps what tokens 1 and 2 used; 1 and 2 were only used by token 0.
        assertEquals(-1, w.slot(1));
        assertEquals(-1, w.slot(2));
        assertTrue(w.slot(3) >= 0 && w.slot(4) >= 0 && w.slot(5) >= 0);
        assertEquals(3, w.size());
        assertInvariants(w, slots, 10);
    }

    @Test
    void hitsAreNotReadAgain() {
        Slots slots = new Slots(8);
        NeuronWindow w = new NeuronWindow(8, 8, 3, slots);
        assertEquals(3, token(w, slots, 0, 1, 2));
        assertEquals(1, token(w, slots, 1, 2, 3), "only 3 is new");
        assertEquals(2, w.hits(), "1 and 2 were hits");
        assertEquals(4, w.loads());
    }

    @Test
    void activeSlotsListNeuronsAlreadyInMemoryBeforeTheJustAdmittedOnes() {
        Slots slots = new Slots(3);
        NeuronWindow w = new NeuronWindow(10, 3, NeuronWindow.KEEP_WHILE_ROOM, slots);
        token(w, slots, 2, 5);
        // 1 and 7 are new; with 3 slots, 7 finds none (2 and 5 are this token's) and is dropped.
        assertEquals(1, token(w, slots, 1, 2, 5, 7));
        assertEquals(1, w.admitted());
        int[] out = new int[3];
        assertEquals(3, w.activeSlots(out));
        assertEquals(List.of(2, 5, 1), List.of(slots.content[out[0]], slots.content[out[1]], slots.content[out[2]]));
    }

    @Test
    void fullCacheEvictsOldestTokensFirstThenDrops() {
        Slots slots = new Slots(4);
        NeuronWindow w = new NeuronWindow(16, 4, 4, slots);
        token(w, slots, 0, 1);
        token(w, slots, 2, 3);
        token(w, slots, 4, 5); // full: evicts neurons of token 0 first
        assertEquals(-1, w.slot(0));
        assertEquals(-1, w.slot(1));
        assertTrue(w.slot(2) >= 0 && w.slot(3) >= 0);
        assertEquals(0, w.dropped());
        token(w, slots, 6, 7, 8, 9, 10); // five needed, four slots: one dropped
        assertEquals(1, w.dropped());
        assertEquals(4, w.size());
        assertInvariants(w, slots, 16);
    }

    @Test
    void randomTrafficKeepsSlotsDenseAndConsistent() {
        Random random = new Random(7);
        int neurons = 200;
        int window = 3;
        Slots slots = new Slots(120);
        NeuronWindow w = new NeuronWindow(neurons, 120, window, slots);
        List<Set<Integer>> history = new ArrayList<>();
        for (int t = 0; t < 500; t++) {
            Set<Integer> used = new HashSet<>();
            int[] pick = random.ints(30, 0, neurons).sorted().distinct().toArray();
            for (int n : pick) {
                used.add(n);
            }
            token(w, slots, pick);
            history.add(used);
            assertInvariants(w, slots, neurons);
            // Without pressure (at most 3 * 30 < 120 needed) exactly the last `window` tokens' neurons are cached.
            Set<Integer> expected = new HashSet<>();
            for (int k = Math.max(0, t - window + 1); k <= t; k++) {
                expected.addAll(history.get(k));
            }
            assertEquals(expected.size(), w.size(), "token " + t);
            for (int n : expected) {
                assertTrue(w.slot(n) >= 0, "neuron " + n + " at token " + t);
            }
        }
        assertEquals(0, w.dropped());
        assertTrue(slots.moves > 0, "evictions moved the last slot into the hole");
    }

    /** Runs one token using {@code neurons}; loads the misses into the mirror; returns the loaded count. */
    static int token(NeuronWindow w, Slots slots, int... neurons) {
        w.beginToken();
        for (int n : neurons) {
            w.use(n);
        }
        int loaded = w.admit();
        for (int j = 0; j < loaded; j++) {
            int n = w.misses()[j];
            slots.content[w.slot(n)] = n;
        }
        return loaded;
    }

    @Test
    void withoutExpiryNeuronsStayWhileThereIsRoomAndTheLeastRecentlyUsedGoFirst() {
        Slots slots = new Slots(4);
        NeuronWindow w = new NeuronWindow(10, 4, NeuronWindow.KEEP_WHILE_ROOM, slots);
        token(w, slots, 0, 1);
        token(w, slots, 2);
        token(w, slots, 0, 3);
        assertEquals(4, w.size(), "nothing expires while slots are free");
        assertEquals(1, token(w, slots, 4), "only 4 is new");
        assertEquals(-1, w.slot(1), "1 was the least recently used");
        assertTrue(w.slot(0) >= 0 && w.slot(2) >= 0 && w.slot(3) >= 0 && w.slot(4) >= 0);
        assertEquals(0, token(w, slots, 0, 2, 3, 4), "all resident: nothing read");
        assertInvariants(w, slots, 10);
    }

    static void assertInvariants(NeuronWindow w, Slots slots, int neurons) {
        Set<Integer> seen = new HashSet<>();
        for (int s = 0; s < w.size(); s++) {
            int n = w.neuronAt(s);
            assertEquals(s, w.slot(n), "slot table of neuron " + n);
            assertEquals(n, slots.content[s], "data in slot " + s + " belongs to neuron " + n);
            assertTrue(seen.add(n), "neuron " + n + " twice");
        }
        for (int n = 0; n < neurons; n++) {
            assertFalse(w.slot(n) >= 0 && !seen.contains(n), "neuron " + n + " has a slot outside [0, size)");
        }
    }
}
