package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangeClaimsTest {

    @Test
    void aThreadStreamsItsOwnPartThenTakesEveryOtherSlotOnce() {
        RangeClaims claims = new RangeClaims(3);
        claims.start(1, 100);
        int[] hits = new int[100];
        int next = 0;
        boolean own = true;
        for (long piece = claims.claim(1, 0); piece != RangeClaims.NONE; piece = claims.claim(1, 0)) {
            int from = RangeClaims.from(piece);
            int to = RangeClaims.to(piece);
            assertTrue(to - from >= 1 && to - from <= 5, "piece [" + from + ", " + to + ") of at most ceil(100 / 24)");
            if (own && from != next) {
                own = false;
                assertEquals(33, next, "the own part, [0, 33), front to back before anything is taken");
            }
            next = to;
            for (int i = from; i < to; i++) {
                hits[i]++;
            }
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits[i], "slot " + i);
        }
    }

    @Test
    void anEmptyThreadTakesFromTheBackOfTheFullestPart() {
        RangeClaims claims = new RangeClaims(3);
        claims.start(7, 30);
        long first = claims.claim(7, 1);
        assertEquals(10, RangeClaims.from(first));
        long piece = first;
        while (RangeClaims.from(piece) >= 10) {
            piece = claims.claim(7, 1); // thread 1's own part, [10, 20), front to back
        }
        assertEquals(8, RangeClaims.from(piece), "then 30 / 24 = 2 slots from the back of thread 0's part (tied with 2's)");
        assertEquals(10, RangeClaims.to(piece));
        assertEquals(0, RangeClaims.from(claims.claim(7, 0)), "thread 0 keeps its front: [2, 8) left");
        assertEquals(20, RangeClaims.from(claims.claim(7, 2)), "thread 2's front: [22, 30) left");
        long taken = claims.claim(7, 1);
        assertEquals(28, RangeClaims.from(taken), "thread 2's part, now the fullest, loses its back");
        assertEquals(30, RangeClaims.to(taken));
    }

    @Test
    void aClaimForAnotherJobGetsNothing() {
        RangeClaims claims = new RangeClaims(2);
        claims.start(1, 10);
        claims.start(2, 10);
        assertEquals(RangeClaims.NONE, claims.claim(1, 0));
        assertEquals(RangeClaims.NONE, claims.claim(1, 1));
        assertEquals(0, RangeClaims.from(claims.claim(2, 0)));
        claims.start(3, 0);
        assertEquals(RangeClaims.NONE, claims.claim(3, 0));
        assertEquals(RangeClaims.NONE, claims.claim(3, 1));
    }

    @Test
    void holdsUpToMaxSlots() {
        RangeClaims claims = new RangeClaims(2);
        claims.start(1, RangeClaims.MAX_SLOTS);
        long piece = claims.claim(1, 1);
        assertEquals(RangeClaims.MAX_SLOTS / 2, RangeClaims.from(piece));
        assertThrows(IllegalArgumentException.class, () -> claims.start(2, RangeClaims.MAX_SLOTS + 1));
    }
}
