package dev.specula.offload;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReadPlanTest {
    private static final long BASE = 8192;

    @Test
    void adjacentNeuronsBecomeOneRead() {
        ReadPlan p = new ReadPlan(16);
        int planned = p.plan(new int[]{3, 4, 5, 6}, 0, 4, BASE, 4096, 4096, 0, 1 << 20, 1 << 20);
        assertEquals(4, planned);
        assertEquals(1, p.ranges());
        assertEquals(BASE + 3 * 4096, p.rangeStart(0));
        assertEquals(4 * 4096, p.rangeLength(0));
        for (int j = 0; j < 4; j++) {
            assertEquals(j * 4096L, p.neuronStaging(j));
        }
    }

    @Test
    void distantNeuronsAreSeparateReadsAndSmallGapsAreBridged() {
        ReadPlan p = new ReadPlan(16);
        p.plan(new int[]{0, 10}, 0, 2, BASE, 4096, 4096, 0, 1 << 20, 1 << 20);
        assertEquals(2, p.ranges(), "gap of 9 pages, none allowed");
        p.plan(new int[]{0, 2}, 0, 2, BASE, 4096, 4096, 4096, 1 << 20, 1 << 20);
        assertEquals(1, p.ranges(), "a one-page gap is read rather than paying for another request");
        assertEquals(3 * 4096, p.rangeLength(0));
        assertEquals(2 * 4096, p.neuronStaging(1));
    }

    @Test
    void unalignedBundlesAreWidenedToBlocksAndLocatedInside() {
        ReadPlan p = new ReadPlan(16);
        long stride = 768;
        p.plan(new int[]{5, 6, 7}, 0, 3, BASE, stride, 4096, 0, 1 << 20, 1 << 20);
        assertEquals(1, p.ranges());
        long first = BASE + 5 * stride;
        assertEquals(first / 4096 * 4096, p.rangeStart(0));
        assertEquals(0, p.rangeLength(0) % 4096);
        assertEquals(first - p.rangeStart(0), p.neuronStaging(0));
        assertEquals(first + stride - p.rangeStart(0), p.neuronStaging(1));
    }

    @Test
    void readsAreCutAtTheChunkSizeAndPlansStopWhenStagingIsFull() {
        ReadPlan p = new ReadPlan(16);
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
        assertEquals(8, p.plan(all, 0, 8, BASE, 4096, 4096, 0, 2 * 4096, 1 << 20));
        assertEquals(4, p.ranges(), "two pages per read");
        int planned = p.plan(all, 0, 8, BASE, 4096, 4096, 0, 1 << 20, 3 * 4096);
        assertEquals(3, planned, "the staging buffer holds three bundles");
        assertEquals(3 * 4096, p.plannedBytes());
        assertEquals(5, p.plan(all, 3, 8, BASE, 4096, 4096, 0, 1 << 20, 5 * 4096), "next round takes the rest");
        assertThrows(IllegalStateException.class, () -> p.plan(all, 0, 8, BASE, 4096, 4096, 0, 1 << 20, 1024));
    }
}
