package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.model.RopeStyle;
import jdk.incubator.vector.FloatVector;

/**
 * Rotary position embeddings with precomputed tables: pair {@code i < headDim/2} of a head at
 * position {@code pos} is rotated by {@code pos * theta^(-2i/headDim)} radians.
 */
public final class Rope {

    private final int headDim;
    private final int half;
    private final int maxPositions;
    /** {@code cos[pos * half + i]}, likewise {@code sin}. */
    private final float[] cos;
    private final float[] sin;

    public Rope(int headDim, int maxPositions, float theta) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim must be positive and even, got " + headDim);
        }
        if (maxPositions <= 0) {
            throw new IllegalArgumentException("maxPositions must be positive, got " + maxPositions);
        }
        this.headDim = headDim;
        this.half = headDim / 2;
        this.maxPositions = maxPositions;
        this.cos = new float[Math.multiplyExact(maxPositions, half)];
        this.sin = new float[cos.length];
        for (int i = 0; i < half; i++) {
            // Angles in double: at long contexts pos * freq loses float precision.
            double freq = Math.pow(theta, -2.0 * i / headDim);
            for (int pos = 0; pos < maxPositions; pos++) {
                double angle = pos * freq;
                cos[pos * half + i] = (float) Math.cos(angle);
                sin[pos * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public int maxPositions() {
        return maxPositions;
    }

    /** Rotates {@code heads} consecutive heads of {@code headDim} floats starting at {@code v[off]}, in place. */
    public void apply(float[] v, int off, int heads, int pos, RopeStyle style) {
        if (pos < 0 || pos >= maxPositions) {
            throw new IndexOutOfBoundsException("position " + pos + " outside [0, " + maxPositions + ")");
        }
        int table = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            switch (style) {
                case INTERLEAVED -> interleaved(v, base, table);
                case HALF -> halves(v, base, table);
            }
        }
    }

    /**
     * Pairs (2i, 2i+1). Kept scalar: vectorising needs lane swaps and duplicated tables, and RoPE
     * touches only the q and k vectors once per layer.
     */
    private void interleaved(float[] v, int base, int table) {
        for (int i = 0; i < half; i++) {
            float c = cos[table + i];
            float s = sin[table + i];
            float a = v[base + 2 * i];
            float b = v[base + 2 * i + 1];
            v[base + 2 * i] = a * c - b * s;
            v[base + 2 * i + 1] = a * s + b * c;
        }
    }

    /** Pairs (i, i + headDim/2): both halves are contiguous, so they vectorise directly. */
    private void halves(float[] v, int base, int table) {
        int i = 0;
        for (; i <= half - LANES; i += LANES) {
            FloatVector c = FloatVector.fromArray(FLOATS, cos, table + i);
            FloatVector s = FloatVector.fromArray(FLOATS, sin, table + i);
            FloatVector a = FloatVector.fromArray(FLOATS, v, base + i);
            FloatVector b = FloatVector.fromArray(FLOATS, v, base + half + i);
            a.mul(c).sub(b.mul(s)).intoArray(v, base + i);
            a.mul(s).add(b.mul(c)).intoArray(v, base + half + i);
        }
        for (; i < half; i++) {
            float c = cos[table + i];
            float s = sin[table + i];
            float a = v[base + i];
            float b = v[base + half + i];
            v[base + i] = a * c - b * s;
            v[base + half + i] = a * s + b * c;
        }
    }
}
