package dev.specula.gpu;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Random weight matrices in GGML layouts, for benchmarks: values in [-1, 1) (quantized blocks: random
 * quants with a small scale). Only the layout matters for timing; CPU and GPU read the same bytes, so
 * their results can be compared.
 */
final class SyntheticWeights {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private SyntheticWeights() {
    }

    static Tensor random(GgmlType type, int rows, int cols, long seed, Arena arena) {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " needs columns in multiples of " + type.blockSize() + ", got " + cols);
        }
        long elements = (long) rows * cols;
        MemorySegment data = arena.allocate(type.bytesFor(elements), 64);
        SplittableRandom r = new SplittableRandom(seed);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < elements; i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, uniform(r));
                }
            }
            case F16 -> {
                for (long i = 0; i < elements; i++) {
                    data.setAtIndex(SHORT, i, Float.floatToFloat16(uniform(r)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < elements; i++) {
                    data.setAtIndex(SHORT, i, (short) (Float.floatToRawIntBits(uniform(r)) >>> 16));
                }
            }
            case Q8_0, Q4_0 -> {
                long blocks = elements / type.blockSize();
                int quantBytes = type.blockBytes() - 2;
                for (long b = 0; b < blocks; b++) {
                    long off = b * type.blockBytes();
                    // scales like a real quantizer's: max |w| / 127 (Q8_0) or / 8 (Q4_0) for |w| < 1
                    float scale = (type == GgmlType.Q8_0 ? 1 / 127f : 1 / 8f) * (0.5f + uniform(r) / 2);
                    data.set(SHORT, off, Float.floatToFloat16(scale));
                    for (int q = 0; q < quantBytes; q++) {
                        data.set(ValueLayout.JAVA_BYTE, off + 2 + q, (byte) r.nextInt(type == GgmlType.Q8_0 ? -127 : 0,
                                type == GgmlType.Q8_0 ? 128 : 256));
                    }
                }
            }
            default -> throw new IllegalArgumentException("no synthetic weights for " + type);
        }
        return new Tensor(type.name().toLowerCase() + "-" + rows + "x" + cols, type, new long[] {cols, rows}, data);
    }

    static float uniform(SplittableRandom r) {
        return (float) (r.nextDouble() * 2 - 1);
    }

    static float[] vector(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = uniform(r);
        }
        return v;
    }
}
