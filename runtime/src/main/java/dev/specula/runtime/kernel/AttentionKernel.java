package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Scaled dot-product attention over a key/value cache: of one query head over a row-major cache (training), or of
 * a group of query heads over their shared key/value head in a {@link KvTiles} cache (inference).
 */
public final class AttentionKernel {

    /** A tile of an F16 cache widened to floats, per thread. */
    private static final ThreadScratch TILE = new ThreadScratch();

    private AttentionKernel() {
    }

    /**
     * One query head {@code q[qOff .. qOff + headDim)} attending over {@code positions} cached
     * positions: position {@code p}'s key is {@code keys[p * kvStride + kvOff .. + headDim)}, its
     * value likewise in {@code values}. Writes softmax(q.k / sqrt(headDim)) to
     * {@code scores[scoresOff .. + positions)} and the weighted sum of values to
     * {@code out[outOff .. + headDim)} (overwritten, not accumulated).
     */
    public static void attendHead(float[] q, int qOff, float[] keys, float[] values, int kvOff, int kvStride,
                                  int positions, int headDim, float[] scores, int scoresOff, float[] out, int outOff) {
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int p = 0; p < positions; p++) {
            scores[scoresOff + p] = VectorMath.dot(q, qOff, keys, p * kvStride + kvOff, headDim) * scale;
        }
        normalize(1, headDim, positions, scores, scoresOff, 0, out, outOff);
        addValues(scores, scoresOff, positions, values, kvOff, kvStride, headDim, out, outOff);
    }

    /**
     * Query heads {@code [0, heads)} of one group attending over the same key/value head, cached in {@link KvTiles}:
     * head {@code i}'s query is
     * {@code q[qOff + i * headDim ..]}, its output {@code out[outOff + i * headDim ..]} and its scores
     * {@code scores[scoresOff + i * scoresStride ..]}, written for whole tiles (a row needs
     * {@code KvTiles.roundUp(positions)}), softmax over the first {@code positions}. Tile by tile, every head of the
     * group reads the tile while it is in L1.
     */
    public static void attendGroup(float[] q, int qOff, int heads, int headDim, float[] keys, float[] values,
                                   int positions, float[] scores, int scoresOff, int scoresStride, float[] out,
                                   int outOff) {
        FloatVector scale = scale(headDim);
        for (int t = 0, at = 0; t * LANES < positions; t++, at += headDim * LANES) {
            scoreHeads(q, qOff, heads, headDim, keys, at, scale, scores, scoresOff + t * LANES, scoresStride);
        }
        normalize(heads, headDim, positions, scores, scoresOff, scoresStride, out, outOff);
        for (int t = 0, at = 0; t * LANES < positions; t++, at += headDim * LANES) {
            addHeads(scores, scoresOff + t * LANES, scoresStride, Math.min(LANES, positions - t * LANES), values, at,
                    heads, headDim, out, outOff);
        }
    }

    /**
     * {@link #attendGroup} over an F16 cache ({@link KvTiles#storeKey(float[], int, int, short[], int)}): each tile
     * of the head is widened to floats once, into a scratch in L1, for all heads of the group.
     */
    public static void attendGroup(float[] q, int qOff, int heads, int headDim, short[] keys, short[] values,
                                   int positions, float[] scores, int scoresOff, int scoresStride, float[] out,
                                   int outOff) {
        FloatVector scale = scale(headDim);
        float[] tile = TILE.atLeast(headDim * LANES);
        for (int t = 0, at = 0; t * LANES < positions; t++, at += headDim * LANES) {
            widen(keys, at, tile, headDim * LANES);
            scoreHeads(q, qOff, heads, headDim, tile, 0, scale, scores, scoresOff + t * LANES, scoresStride);
        }
        normalize(heads, headDim, positions, scores, scoresOff, scoresStride, out, outOff);
        for (int t = 0, at = 0; t * LANES < positions; t++, at += headDim * LANES) {
            int n = Math.min(LANES, positions - t * LANES);
            widen(values, at, tile, n * headDim);
            addHeads(scores, scoresOff + t * LANES, scoresStride, n, tile, 0, heads, headDim, out, outOff);
        }
    }

    private static FloatVector scale(int headDim) {
        return FloatVector.broadcast(FLOATS, (float) (1.0 / Math.sqrt(headDim)));
    }

    /** A plain loop over {@link Float#float16ToFloat}, which C2 compiles to {@code vcvtph2ps} (F16C). */
    private static void widen(short[] src, int from, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = Float.float16ToFloat(src[from + i]);
        }
    }

    /** Four heads at a time where the group has them ({@link #scoreFourHeads}), then one at a time. */
    private static void scoreHeads(float[] q, int qOff, int heads, int headDim, float[] keys, int at,
                                   FloatVector scale, float[] scores, int s, int scoresStride) {
        int i = 0;
        for (; i + 4 <= heads; i += 4) {
            scoreFourHeads(q, qOff + i * headDim, headDim, keys, at, scale, scores, s + i * scoresStride, scoresStride);
        }
        for (; i < heads; i++) {
            scoreTile(q, qOff + i * headDim, keys, at, headDim, scale, scores, s + i * scoresStride);
        }
    }

    /** Softmax of each head's scores, and its output zeroed for {@link #addHeads}. */
    private static void normalize(int heads, int headDim, int positions, float[] scores, int scoresOff,
                                  int scoresStride, float[] out, int outOff) {
        for (int i = 0; i < heads; i++) {
            VectorMath.softmax(scores, scoresOff + i * scoresStride, positions);
        }
        Arrays.fill(out, outOff, outOff + heads * headDim, 0f);
    }

    /**
     * Four heads at a time where the group has them and the head's dimensions are whole runs of four vectors
     * ({@link #addFourHeads}), then one at a time.
     */
    private static void addHeads(float[] scores, int s, int scoresStride, int n, float[] values, int at, int heads,
                                 int headDim, float[] out, int outOff) {
        int i = 0;
        if (headDim % (4 * LANES) == 0) {
            for (; i + 4 <= heads; i += 4) {
                for (int d = 0; d < headDim; d += 4 * LANES) {
                    addFourHeads(scores, s + i * scoresStride, scoresStride, n, values, at + d, out,
                            outOff + i * headDim + d, headDim);
                }
            }
        }
        for (; i < heads; i++) {
            addValues(scores, s + i * scoresStride, n, values, at, headDim, headDim, out, outOff + i * headDim);
        }
    }

    /**
     * A tile's scores as one vector, accumulated over the head's dimensions in four chains (so no chain waits on its
     * previous FMA), with no lane sums.
     */
    private static void scoreTile(float[] q, int qOff, float[] keys, int at, int headDim, FloatVector scale,
                                  float[] scores, int s) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = FloatVector.zero(FLOATS);
        FloatVector a2 = FloatVector.zero(FLOATS);
        FloatVector a3 = FloatVector.zero(FLOATS);
        int d = 0;
        for (; d + 4 <= headDim; d += 4) {
            int k = at + d * LANES;
            a0 = FloatVector.fromArray(FLOATS, keys, k).fma(FloatVector.broadcast(FLOATS, q[qOff + d]), a0);
            a1 = FloatVector.fromArray(FLOATS, keys, k + LANES).fma(FloatVector.broadcast(FLOATS, q[qOff + d + 1]), a1);
            a2 = FloatVector.fromArray(FLOATS, keys, k + 2 * LANES)
                    .fma(FloatVector.broadcast(FLOATS, q[qOff + d + 2]), a2);
            a3 = FloatVector.fromArray(FLOATS, keys, k + 3 * LANES)
                    .fma(FloatVector.broadcast(FLOATS, q[qOff + d + 3]), a3);
        }
        for (; d < headDim; d++) {
            a0 = FloatVector.fromArray(FLOATS, keys, at + d * LANES).fma(FloatVector.broadcast(FLOATS, q[qOff + d]), a0);
        }
        a0.add(a1).add(a2.add(a3)).mul(scale).intoArray(scores, s);
    }

    /**
     * {@link #scoreTile} for four consecutive query heads at once: each key vector is loaded once for the four, and
     * the eight chains (two per head) keep both FMA pipes busy, where one head's four chains waited on their FMAs'
     * latency (a group of tinyllama-1.1b's eight heads at position 1900, F16, in L2, one thread: the scores 1.2
     * against 2.7 ns per position and head).
     */
    private static void scoreFourHeads(float[] q, int q0, int headDim, float[] keys, int at, FloatVector scale,
                                       float[] scores, int s, int scoresStride) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector e0 = a0;
        FloatVector e1 = a0;
        int q1 = q0 + headDim;
        int q2 = q1 + headDim;
        int q3 = q2 + headDim;
        int d = 0;
        for (; d + 2 <= headDim; d += 2) {
            int k = at + d * LANES;
            FloatVector k0 = FloatVector.fromArray(FLOATS, keys, k);
            FloatVector k1 = FloatVector.fromArray(FLOATS, keys, k + LANES);
            a0 = k0.fma(FloatVector.broadcast(FLOATS, q[q0 + d]), a0);
            a1 = k1.fma(FloatVector.broadcast(FLOATS, q[q0 + d + 1]), a1);
            b0 = k0.fma(FloatVector.broadcast(FLOATS, q[q1 + d]), b0);
            b1 = k1.fma(FloatVector.broadcast(FLOATS, q[q1 + d + 1]), b1);
            c0 = k0.fma(FloatVector.broadcast(FLOATS, q[q2 + d]), c0);
            c1 = k1.fma(FloatVector.broadcast(FLOATS, q[q2 + d + 1]), c1);
            e0 = k0.fma(FloatVector.broadcast(FLOATS, q[q3 + d]), e0);
            e1 = k1.fma(FloatVector.broadcast(FLOATS, q[q3 + d + 1]), e1);
        }
        if (d < headDim) {
            FloatVector k0 = FloatVector.fromArray(FLOATS, keys, at + d * LANES);
            a0 = k0.fma(FloatVector.broadcast(FLOATS, q[q0 + d]), a0);
            b0 = k0.fma(FloatVector.broadcast(FLOATS, q[q1 + d]), b0);
            c0 = k0.fma(FloatVector.broadcast(FLOATS, q[q2 + d]), c0);
            e0 = k0.fma(FloatVector.broadcast(FLOATS, q[q3 + d]), e0);
        }
        a0.add(a1).mul(scale).intoArray(scores, s);
        b0.add(b1).mul(scale).intoArray(scores, s + scoresStride);
        c0.add(c1).mul(scale).intoArray(scores, s + 2 * scoresStride);
        e0.add(e1).mul(scale).intoArray(scores, s + 3 * scoresStride);
    }

    /**
     * {@link #addValues} for four consecutive heads over four vectors of their dimensions, from {@code values[at]}
     * (a tile's rows, {@code headDim} apart) and {@code out[o]} (each head {@code headDim} further): each value vector
     * is loaded once for the four heads' sixteen chains (the values 0.8-0.9 against 1.9 ns per position and head, as
     * above). Sums in the same order.
     */
    private static void addFourHeads(float[] scores, int s, int scoresStride, int n, float[] values, int at,
                                     float[] out, int o, int headDim) {
        int ob = o + headDim;
        int oc = ob + headDim;
        int oe = oc + headDim;
        FloatVector a0 = FloatVector.fromArray(FLOATS, out, o);
        FloatVector a1 = FloatVector.fromArray(FLOATS, out, o + LANES);
        FloatVector a2 = FloatVector.fromArray(FLOATS, out, o + 2 * LANES);
        FloatVector a3 = FloatVector.fromArray(FLOATS, out, o + 3 * LANES);
        FloatVector b0 = FloatVector.fromArray(FLOATS, out, ob);
        FloatVector b1 = FloatVector.fromArray(FLOATS, out, ob + LANES);
        FloatVector b2 = FloatVector.fromArray(FLOATS, out, ob + 2 * LANES);
        FloatVector b3 = FloatVector.fromArray(FLOATS, out, ob + 3 * LANES);
        FloatVector c0 = FloatVector.fromArray(FLOATS, out, oc);
        FloatVector c1 = FloatVector.fromArray(FLOATS, out, oc + LANES);
        FloatVector c2 = FloatVector.fromArray(FLOATS, out, oc + 2 * LANES);
        FloatVector c3 = FloatVector.fromArray(FLOATS, out, oc + 3 * LANES);
        FloatVector e0 = FloatVector.fromArray(FLOATS, out, oe);
        FloatVector e1 = FloatVector.fromArray(FLOATS, out, oe + LANES);
        FloatVector e2 = FloatVector.fromArray(FLOATS, out, oe + 2 * LANES);
        FloatVector e3 = FloatVector.fromArray(FLOATS, out, oe + 3 * LANES);
        for (int j = 0; j < n; j++) {
            int v = at + j * headDim;
            FloatVector v0 = FloatVector.fromArray(FLOATS, values, v);
            FloatVector v1 = FloatVector.fromArray(FLOATS, values, v + LANES);
            FloatVector v2 = FloatVector.fromArray(FLOATS, values, v + 2 * LANES);
            FloatVector v3 = FloatVector.fromArray(FLOATS, values, v + 3 * LANES);
            FloatVector w = FloatVector.broadcast(FLOATS, scores[s + j]);
            a0 = v0.fma(w, a0);
            a1 = v1.fma(w, a1);
            a2 = v2.fma(w, a2);
            a3 = v3.fma(w, a3);
            w = FloatVector.broadcast(FLOATS, scores[s + scoresStride + j]);
            b0 = v0.fma(w, b0);
            b1 = v1.fma(w, b1);
            b2 = v2.fma(w, b2);
            b3 = v3.fma(w, b3);
            w = FloatVector.broadcast(FLOATS, scores[s + 2 * scoresStride + j]);
            c0 = v0.fma(w, c0);
            c1 = v1.fma(w, c1);
            c2 = v2.fma(w, c2);
            c3 = v3.fma(w, c3);
            w = FloatVector.broadcast(FLOATS, scores[s + 3 * scoresStride + j]);
            e0 = v0.fma(w, e0);
            e1 = v1.fma(w, e1);
            e2 = v2.fma(w, e2);
            e3 = v3.fma(w, e3);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + LANES);
        a2.intoArray(out, o + 2 * LANES);
        a3.intoArray(out, o + 3 * LANES);
        b0.intoArray(out, ob);
        b1.intoArray(out, ob + LANES);
        b2.intoArray(out, ob + 2 * LANES);
        b3.intoArray(out, ob + 3 * LANES);
        c0.intoArray(out, oc);
        c1.intoArray(out, oc + LANES);
        c2.intoArray(out, oc + 2 * LANES);
        c3.intoArray(out, oc + 3 * LANES);
        e0.intoArray(out, oe);
        e1.intoArray(out, oe + LANES);
        e2.intoArray(out, oe + 2 * LANES);
        e3.intoArray(out, oe + 3 * LANES);
    }

    /**
     * {@code out[o + i] += sum_j scores[s + j] * values[at + j * step + i]} for {@code i < headDim} over {@code n}
     * positions (a tile's, or a row-major cache's), one FMA each in position order, as an axpy per position would.
     * Four vectors of the head's dimensions stay in registers across the positions: an axpy per position stored
     * them and loaded them back, 11.5 ns per position and head (AVX-512, 64 dimensions, row-major cache).
     */
    private static void addValues(float[] scores, int s, int n, float[] values, int at, int step, int headDim,
                                  float[] out, int o) {
        int d = 0;
        for (; d + 4 * LANES <= headDim; d += 4 * LANES) {
            FloatVector a0 = FloatVector.fromArray(FLOATS, out, o + d);
            FloatVector a1 = FloatVector.fromArray(FLOATS, out, o + d + LANES);
            FloatVector a2 = FloatVector.fromArray(FLOATS, out, o + d + 2 * LANES);
            FloatVector a3 = FloatVector.fromArray(FLOATS, out, o + d + 3 * LANES);
            for (int j = 0; j < n; j++) {
                FloatVector w = FloatVector.broadcast(FLOATS, scores[s + j]);
                int v = at + j * step + d;
                a0 = FloatVector.fromArray(FLOATS, values, v).fma(w, a0);
                a1 = FloatVector.fromArray(FLOATS, values, v + LANES).fma(w, a1);
                a2 = FloatVector.fromArray(FLOATS, values, v + 2 * LANES).fma(w, a2);
                a3 = FloatVector.fromArray(FLOATS, values, v + 3 * LANES).fma(w, a3);
            }
            a0.intoArray(out, o + d);
            a1.intoArray(out, o + d + LANES);
            a2.intoArray(out, o + d + 2 * LANES);
            a3.intoArray(out, o + d + 3 * LANES);
        }
        for (; d + LANES <= headDim; d += LANES) {
            FloatVector a = FloatVector.fromArray(FLOATS, out, o + d);
            for (int j = 0; j < n; j++) {
                a = FloatVector.fromArray(FLOATS, values, at + j * step + d)
                        .fma(FloatVector.broadcast(FLOATS, scores[s + j]), a);
            }
            a.intoArray(out, o + d);
        }
        for (; d < headDim; d++) {
            float a = out[o + d];
            for (int j = 0; j < n; j++) {
                a = Math.fma(values[at + j * step + d], scores[s + j], a);
            }
            out[o + d] = a;
        }
    }
}
