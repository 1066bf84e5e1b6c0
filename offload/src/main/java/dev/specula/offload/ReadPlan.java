package dev.specula.offload;

/**
 * Turns a sorted list of needed neurons into few large aligned reads: each neuron's bundle is
 * widened to whole blocks, and bundles closer than {@code maxGapBytes} are read as one range (a
 * short gap costs less than another request), up to {@code maxChunkBytes} per read: the size at
 * which the device reaches its bandwidth. Ranges are packed into a staging buffer; a plan stops
 * early when the buffer is full and the caller plans the rest in another round. Reused for every
 * token: the arrays are sized once for the worst case (every neuron its own range).
 */
final class ReadPlan {
    private final long[] rangeStart;
    private final long[] rangeLength;
    private final long[] rangeStaging;
    private final long[] neuronStaging;
    private int ranges;

    ReadPlan(int maxNeurons) {
        rangeStart = new long[maxNeurons];
        rangeLength = new long[maxNeurons];
        rangeStaging = new long[maxNeurons];
        neuronStaging = new long[maxNeurons];
    }

    /**
     * Plans reads for {@code neurons[from ..)}, ascending, whose bundles start at file offset
     * {@code base + n * stride}; returns how many of them were planned (at least one).
     */
    int plan(int[] neurons, int from, int count, long base, long stride, long align, long maxGapBytes,
             long maxChunkBytes, long stagingBytes) {
        ranges = 0;
        long staged = 0;
        long curStart = 0;
        long curEnd = 0;
        int i = from;
        for (; i < count; i++) {
            long at = base + neurons[i] * stride;
            long s = Math.floorDiv(at, align) * align;
            long e = Math.ceilDiv(at + stride, align) * align;
            boolean extend = ranges > 0 && s <= curEnd + maxGapBytes && Math.max(e, curEnd) - curStart <= maxChunkBytes
                    && rangeStaging[ranges - 1] + Math.max(e, curEnd) - curStart <= stagingBytes;
            if (extend) {
                curEnd = Math.max(curEnd, e);
            } else {
                if (staged + (e - s) > stagingBytes) {
                    if (i == from) {
                        throw new IllegalStateException("staging buffer of " + stagingBytes + " bytes cannot hold one bundle");
                    }
                    break;
                }
                rangeStaging[ranges] = staged;
                rangeStart[ranges] = s;
                ranges++;
                curStart = s;
                curEnd = e;
            }
            rangeLength[ranges - 1] = curEnd - curStart;
            staged = rangeStaging[ranges - 1] + curEnd - curStart;
            neuronStaging[i - from] = rangeStaging[ranges - 1] + at - curStart;
        }
        return i - from;
    }

    int ranges() {
        return ranges;
    }

    long rangeStart(int r) {
        return rangeStart[r];
    }

    long rangeLength(int r) {
        return rangeLength[r];
    }

    long rangeStaging(int r) {
        return rangeStaging[r];
    }

    /** Where the {@code j}-th planned neuron's bundle lies in the staging buffer. */
    long neuronStaging(int j) {
        return neuronStaging[j];
    }

    long plannedBytes() {
        return ranges == 0 ? 0 : rangeStaging[ranges - 1] + rangeLength[ranges - 1];
    }
}
