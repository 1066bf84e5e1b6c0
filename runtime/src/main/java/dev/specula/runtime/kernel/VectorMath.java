package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorised element-wise and reduction operations on float arrays at offsets.
 *
 * <p>Vectors are loaded and broadcast with the Vector API's own calls, not through small helpers of ours: a
 * helper is inlined only while its caller is under C2's inlining node limit, and one called out of line
 * boxes the vector it returns (attention's softmax, inlined into a large caller, allocated about 4 MB per
 * token that way). For the same reason {@link #exp} and {@link #log} take arrays, not vectors.
 */
public final class VectorMath {

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** Elements per {@link #swiglu} chunk, a multiple of any lane count: 4 KB of exponentials in cache. */
    private static final int CHUNK = 1024;
    private static final ThreadScratch LANE_SUMS = new ThreadScratch();
    private static final ThreadScratch PAD = new ThreadScratch();
    private static final ThreadScratch SILU = new ThreadScratch();

    private VectorMath() {
    }

    /**
     * The sum of {@code v}'s lanes in a fixed order (up to 8 lanes one after another from lane 0; 16 lanes
     * as a pairwise tree), so it is the same number whether C2 has compiled the caller yet or not.
     * {@code reduceLanes(ADD)} is not: once C2 intrinsifies it, it adds the lanes in another order. Every
     * matrix kernel sums its lanes this way, so a product does not depend on when the JIT compiled it:
     * identical ensemble members scored one after another agree bit for bit, and a resumed training run
     * matches an uninterrupted one. Only for small callers: a vector passed to a call that is not inlined is
     * boxed, and then reduced on the Vector API's slow path (ten times slower kernels, measured), and a large
     * caller reaches C2's inlining node limit; matrix kernels use {@link #sumLanes(float[], int)}.
     */
    static float sumLanes(FloatVector v) {
        return LANES == 16 ? sum16(v) : inOrder(v);
    }

    /**
     * {@link #sumLanes(FloatVector)} of the vector stored at {@code a[off ..]}, the same number: for kernels,
     * which store their accumulators rather than pass them to a call ({@link RowMajorWeights#sums}).
     */
    static float sumLanes(float[] a, int off) {
        if (LANES != 16) {
            float sum = a[off];
            for (int i = 1; i < LANES; i++) {
                sum += a[off + i];
            }
            return sum;
        }
        float p = (a[off] + a[off + 1]) + (a[off + 2] + a[off + 3]);
        float q = (a[off + 4] + a[off + 5]) + (a[off + 6] + a[off + 7]);
        float r = (a[off + 8] + a[off + 9]) + (a[off + 10] + a[off + 11]);
        float s = (a[off + 12] + a[off + 13]) + (a[off + 14] + a[off + 15]);
        return (p + q) + (r + s);
    }

    private static float inOrder(FloatVector v) {
        float sum = v.lane(0);
        for (int i = 1; i < LANES; i++) {
            sum += v.lane(i);
        }
        return sum;
    }

    /**
     * With 16 lanes C2 keeps the loop above as a loop over a 16-way switch (a variable lane index): about
     * 100 cycles per call, a fifth of a Q8_0 row of 2048 in cache. Constant indices compile to extracts.
     */
    private static float sum16(FloatVector v) {
        float a = (v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3));
        float b = (v.lane(4) + v.lane(5)) + (v.lane(6) + v.lane(7));
        float c = (v.lane(8) + v.lane(9)) + (v.lane(10) + v.lane(11));
        float d = (v.lane(12) + v.lane(13)) + (v.lane(14) + v.lane(15));
        return (a + b) + (c + d);
    }

    /**
     * In place {@code x[off + i] = e^(scale * x[off + i] + shift)} for {@code i < n}, within 2 ulp, built from adds,
     * multiplies and FMAs only, so it gives the same bits interpreted and compiled. {@code lanewise(EXP)} does not:
     * compiled, it calls a vector math library that rounds some lanes differently from the {@code Math.exp} its slow
     * path uses, so a softmax or a SiLU depended on whether C2 had compiled its caller (a resumed training run then
     * drifted from an uninterrupted one in the last bit). Cephes' range reduction {@code x = n ln2 + r, |r| <= ln2/2}
     * and degree-6 polynomial; below -87.3 the result is 0, above 88.3 it saturates at about {@code 2e38} instead of
     * overflowing.
     *
     * <p>Over arrays rather than a function of one vector: C2 inlined such a function only where the caller's loop
     * looked hot when compiled, and boxed the vector on every other call (attention's softmax compiled while
     * contexts were short: up to 24 KB per decoded token with 128-bit vectors, 1 KB with 512-bit ones).
     */
    static void exp(float[] x, int off, int n, float scale, float shift) {
        inPlace(x, off, n, scale, shift, VectorMath::expVectors);
    }

    /** {@link #exp} over {@code n}, a multiple of the lane count. */
    private static void expVectors(float[] x, int off, int n, float scale, float shift) {
        for (int i = 0; i < n; i += LANES) {
            FloatVector v = FloatVector.fromArray(FLOATS, x, off + i).fma(scale, shift);
            // Clamped by compare and blend, the same values as max and min (a NaN stays NaN): C2 spells Java's
            // max and min semantics in several instructions each (the exponentials 0.26 against 0.34 ns apiece).
            FloatVector c = v.blend(-87.3f, v.lt(-87.3f));
            c = c.blend(88.3f, c.compare(VectorOperators.GT, 88.3f));
            // Adding 1.5 * 2^23 rounds to an integer, which the low mantissa bits then hold.
            FloatVector shifted = c.fma(LOG2E, ROUNDER);
            FloatVector k = shifted.sub(ROUNDER);
            // k * LN2_HIGH is exact (k has 8 bits, LN2_HIGH 9), so only the low part needs the FMA.
            FloatVector r = c.sub(k.mul(LN2_HIGH));
            r = k.fma(FloatVector.broadcast(FLOATS, -LN2_LOW), r);
            FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
            p = p.fma(r, FloatVector.broadcast(FLOATS, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(FLOATS, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(FLOATS, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(FLOATS, 5.0000001201e-1f));
            FloatVector y = p.mul(r).fma(r, r).add(1f);
            IntVector exponent = shifted.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23);
            FloatVector scaled = y.mul(exponent.reinterpretAsFloats());
            scaled.blend(0f, v.lt(-87.3f)).intoArray(x, off + i);
        }
    }

    /**
     * In place {@code x[off + i] = ln(x[off + i])} for {@code i < n}, for positive normal values (what a sum of
     * exponentials around its largest term is), within 2 ulp, from adds, multiplies and FMAs only, for the same
     * reasons as {@link #exp}. Cephes' {@code x = m 2^e} with {@code m} in {@code [sqrt(1/2), sqrt(2))} and a
     * degree-9 polynomial in {@code m - 1}.
     */
    static void log(float[] x, int off, int n) {
        inPlace(x, off, n, 1f, 0f, VectorMath::logVectors);
    }

    /** {@code ln(scale * x + shift)} in place, as {@link #log}, over {@code n}, a multiple of the lane count. */
    private static void logVectors(float[] x, int off, int n, float scale, float shift) {
        for (int i = 0; i < n; i += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, x, off + i).fma(scale, shift).reinterpretAsInts();
            FloatVector e = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126)
                    .convert(VectorOperators.I2F, 0);
            FloatVector m = bits.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
            VectorMask<Float> low = m.lt(0.707106781186547524f);
            m = m.blend(m.add(m), low).sub(1f);
            e = e.blend(e.sub(1f), low);
            FloatVector z = m.mul(m);
            FloatVector p = m.fma(7.0376836292e-2f, -1.1514610310e-1f);
            p = p.fma(m, FloatVector.broadcast(FLOATS, 1.1676998740e-1f));
            p = p.fma(m, FloatVector.broadcast(FLOATS, -1.2420140846e-1f));
            p = p.fma(m, FloatVector.broadcast(FLOATS, 1.4249322787e-1f));
            p = p.fma(m, FloatVector.broadcast(FLOATS, -1.6668057665e-1f));
            p = p.fma(m, FloatVector.broadcast(FLOATS, 2.0000714765e-1f));
            p = p.fma(m, FloatVector.broadcast(FLOATS, -2.4999993993e-1f));
            p = p.fma(m, FloatVector.broadcast(FLOATS, 3.3333331174e-1f));
            FloatVector y = p.mul(m).mul(z);
            y = e.fma(FloatVector.broadcast(FLOATS, LN2_LOW), y);
            y = z.fma(FloatVector.broadcast(FLOATS, -0.5f), y);
            e.fma(FloatVector.broadcast(FLOATS, LN2_HIGH), m.add(y)).intoArray(x, off + i);
        }
    }

    /** An in-place lane-wise function of {@code scale * x + shift} over whole vectors. */
    private interface VectorLoop {
        void run(float[] x, int off, int n, float scale, float shift);
    }

    /**
     * {@code loop} over {@code x[off .. off + n)}: the whole vectors in place, then the last {@code n % LANES} values
     * in a zero-padded copy, so a value's result does not depend on where it sits in the array.
     */
    private static void inPlace(float[] x, int off, int n, float scale, float shift, VectorLoop loop) {
        int whole = n - n % LANES;
        loop.run(x, off, whole, scale, shift);
        if (whole < n) {
            float[] pad = PAD.atLeast(LANES);
            System.arraycopy(x, off + whole, pad, 0, n - whole);
            Arrays.fill(pad, n - whole, LANES, 0f);
            loop.run(pad, 0, LANES, scale, shift);
            System.arraycopy(pad, 0, x, off + whole, n - whole);
        }
    }

    /** {@code sum a[aOff + i] * b[bOff + i]} for {@code i < n}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= n - 4 * LANES; i += 4 * LANES) {
            acc0 = FloatVector.fromArray(FLOATS, a, aOff + i).fma(FloatVector.fromArray(FLOATS, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(FLOATS, a, aOff + i + LANES).fma(FloatVector.fromArray(FLOATS, b, bOff + i + LANES), acc1);
            acc2 = FloatVector.fromArray(FLOATS, a, aOff + i + 2 * LANES).fma(FloatVector.fromArray(FLOATS, b, bOff + i + 2 * LANES), acc2);
            acc3 = FloatVector.fromArray(FLOATS, a, aOff + i + 3 * LANES).fma(FloatVector.fromArray(FLOATS, b, bOff + i + 3 * LANES), acc3);
        }
        for (; i <= n - LANES; i += LANES) {
            acc0 = FloatVector.fromArray(FLOATS, a, aOff + i).fma(FloatVector.fromArray(FLOATS, b, bOff + i), acc0);
        }
        float sum = sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** {@code y += a * x} over {@code n} elements. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector av = FloatVector.broadcast(FLOATS, a);
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromArray(FLOATS, x, xOff + i).fma(av, FloatVector.fromArray(FLOATS, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], a, y[yOff + i]);
        }
    }

    /** {@code y += x} over {@code n} elements. */
    public static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromArray(FLOATS, y, yOff + i).add(FloatVector.fromArray(FLOATS, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** {@code x *= s} over {@code n} elements. */
    public static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromArray(FLOATS, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** {@code out = x / sqrt(mean(x^2) + eps) * weight} over {@code n} elements (RMSNorm; out may be x). */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        float inv = (float) (1.0 / Math.sqrt(dot(x, xOff, x, xOff, n) / n + eps));
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            FloatVector.fromArray(FLOATS, x, xOff + i).mul(inv).mul(FloatVector.fromArray(FLOATS, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[i];
        }
    }

    /** In place {@code x = exp(x - max) / sum exp(x - max)} over {@code n >= 1} elements. */
    public static void softmax(float[] x, int off, int n) {
        float max = max(x, off, n);
        exp(x, off, n, 1f, -max);
        scale(x, off, n, 1f / sum(x, off, n));
    }

    /** {@code sum x[off + i]} for {@code i < n}: lane-wise over whole vectors, then the rest in order. */
    private static float sum(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            acc = acc.add(FloatVector.fromArray(FLOATS, x, off + i));
        }
        // Stored and summed from an array: attention inlines this into a caller large enough for C2 to stop
        // inlining, and a vector passed to sumLanes is then boxed.
        float[] lanes = LANE_SUMS.atLeast(LANES);
        acc.intoArray(lanes, 0);
        float sum = sumLanes(lanes, 0);
        for (; i < n; i++) {
            sum += x[off + i];
        }
        return sum;
    }

    /**
     * In place {@code gate = silu(gate) * up}, {@code silu(v) = v / (1 + exp(-v))}, over {@code n} elements, in
     * chunks whose exponentials go through this thread's {@link #SILU} buffer.
     */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        float[] e = SILU.atLeast(Math.min(n, CHUNK));
        for (int from = 0; from < n; from += CHUNK) {
            int len = Math.min(CHUNK, n - from);
            int g0 = gOff + from;
            int u0 = uOff + from;
            System.arraycopy(gate, g0, e, 0, len);
            exp(e, 0, len, -1f, 0f);
            int i = 0;
            for (; i <= len - LANES; i += LANES) {
                FloatVector g = FloatVector.fromArray(FLOATS, gate, g0 + i);
                g.div(FloatVector.fromArray(FLOATS, e, i).add(1f)).mul(FloatVector.fromArray(FLOATS, up, u0 + i))
                        .intoArray(gate, g0 + i);
            }
            // The same correctly rounded operations as the lanes, so a neuron's value does not depend on its position.
            for (; i < len; i++) {
                gate[g0 + i] = gate[g0 + i] / (e[i] + 1f) * up[u0 + i];
            }
        }
    }

    /** The largest of {@code n >= 1} elements (NaN if one is NaN). */
    public static float max(float[] x, int off, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the maximum of " + n + " elements");
        }
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= LANES) {
            // Four running maxima: one waited on each max's latency (attention's softmax spent 0.25 ns per score
            // here, against 0.08).
            FloatVector m0 = FloatVector.fromArray(FLOATS, x, off);
            FloatVector m1 = m0;
            FloatVector m2 = m0;
            FloatVector m3 = m0;
            for (i = LANES; i <= n - 4 * LANES; i += 4 * LANES) {
                m0 = m0.max(FloatVector.fromArray(FLOATS, x, off + i));
                m1 = m1.max(FloatVector.fromArray(FLOATS, x, off + i + LANES));
                m2 = m2.max(FloatVector.fromArray(FLOATS, x, off + i + 2 * LANES));
                m3 = m3.max(FloatVector.fromArray(FLOATS, x, off + i + 3 * LANES));
            }
            for (; i <= n - LANES; i += LANES) {
                m0 = m0.max(FloatVector.fromArray(FLOATS, x, off + i));
            }
            max = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** Index (relative to {@code off}) of the largest of {@code n >= 1} elements; the first one on ties. */
    public static int argmax(float[] x, int off, int n) {
        float max = max(x, off, n);
        // Second pass for the first position holding the maximum.
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            int lane = FloatVector.fromArray(FLOATS, x, off + i).eq(max).firstTrue();
            if (lane < LANES) {
                return i + lane;
            }
        }
        for (; i < n; i++) {
            if (x[off + i] == max) {
                return i;
            }
        }
        throw new IllegalArgumentException("argmax over NaN values");
    }
}
