package dev.specula.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scalar Java references, GGML encoders and comparison helpers for the kernel tests. */
final class Ref {

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Ref() {
    }

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian());
        }
        return a;
    }

    static int[] randomInts(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextInt();
        }
        return a;
    }

    // ------------------------------------------------------------ encodings (weights as GGML bytes)

    static MemorySegment f32(float[] w, Arena arena) {
        MemorySegment s = arena.allocate(4L * w.length, 64);
        MemorySegment.copy(w, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, w.length);
        return s;
    }

    /** Rounds to fp16 and returns the bits; {@code decoded} receives the exact values the kernel sees. */
    static MemorySegment f16(float[] w, float[] decoded, Arena arena) {
        MemorySegment s = arena.allocate(2L * w.length, 64);
        for (int i = 0; i < w.length; i++) {
            short h = Float.floatToFloat16(w[i]);
            s.set(LE_SHORT, 2L * i, h);
            decoded[i] = Float.float16ToFloat(h);
        }
        return s;
    }

    static MemorySegment bf16(float[] w, float[] decoded, Arena arena) {
        MemorySegment s = arena.allocate(2L * w.length, 64);
        for (int i = 0; i < w.length; i++) {
            int bits = Float.floatToRawIntBits(w[i]);
            short h = (short) (bits >>> 16); // truncation is fine: the reference uses the decoded value
            s.set(LE_SHORT, 2L * i, h);
            decoded[i] = Float.intBitsToFloat((h & 0xffff) << 16);
        }
        return s;
    }

    /** GGML Q8_0 quantisation (34-byte blocks: fp16 d, 32 int8); {@code decoded} gets d * q. */
    static MemorySegment q8_0(float[] w, float[] decoded, Arena arena) {
        int blocks = w.length / 32;
        MemorySegment s = arena.allocate(34L * blocks, 64);
        for (int b = 0; b < blocks; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(w[b * 32 + j]));
            }
            float d = amax / 127f;
            short dh = Float.floatToFloat16(d);
            float dd = Float.float16ToFloat(dh);
            s.set(LE_SHORT, 34L * b, dh);
            for (int j = 0; j < 32; j++) {
                int q = d == 0 ? 0 : Math.round(w[b * 32 + j] / d);
                q = Math.max(-128, Math.min(127, q));
                s.set(ValueLayout.JAVA_BYTE, 34L * b + 2 + j, (byte) q);
                decoded[b * 32 + j] = dd * q;
            }
        }
        return s;
    }

    /** GGML Q4_0 (18-byte blocks: fp16 d, 16 bytes; j low nibble, j+16 high nibble); decoded = d*(n-8). */
    static MemorySegment q4_0(float[] w, float[] decoded, Arena arena) {
        int blocks = w.length / 32;
        MemorySegment s = arena.allocate(18L * blocks, 64);
        for (int b = 0; b < blocks; b++) {
            float max = 0;
            for (int j = 0; j < 32; j++) {
                if (Math.abs(w[b * 32 + j]) > Math.abs(max)) {
                    max = w[b * 32 + j];
                }
            }
            float d = max / -8f;
            short dh = Float.floatToFloat16(d);
            float dd = Float.float16ToFloat(dh);
            float id = d == 0 ? 0 : 1f / d;
            s.set(LE_SHORT, 18L * b, dh);
            int[] n = new int[32];
            for (int j = 0; j < 32; j++) {
                n[j] = Math.min(15, (int) (w[b * 32 + j] * id + 8.5f));
                decoded[b * 32 + j] = dd * (n[j] - 8);
            }
            for (int j = 0; j < 16; j++) {
                s.set(ValueLayout.JAVA_BYTE, 18L * b + 2 + j, (byte) (n[j] | (n[j + 16] << 4)));
            }
        }
        return s;
    }

    // ------------------------------------------------------------ references

    /** y[b][r] = sum_c W[r][c] x[b][c], in double. */
    static float[] matmul(float[] w, int rows, int cols, float[] x, int batch) {
        float[] y = new float[batch * rows];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double acc = 0;
                for (int c = 0; c < cols; c++) {
                    acc += (double) w[r * cols + c] * x[b * cols + c];
                }
                y[b * rows + r] = (float) acc;
            }
        }
        return y;
    }

    static float[] rmsnorm(float[] x, float[] w, int batch, float eps) {
        int n = w.length;
        float[] out = new float[batch * n];
        for (int b = 0; b < batch; b++) {
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[b * n + i] * x[b * n + i];
            }
            double scale = 1.0 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                out[b * n + i] = (float) (w[i] * x[b * n + i] * scale);
            }
        }
        return out;
    }

    static float[] swiglu(float[] g, float[] u) {
        float[] out = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
        }
        return out;
    }

    static void rope(float[] x, int batch, int heads, int hd, int startPos, double theta, boolean interleaved) {
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int base = (b * heads + h) * hd;
                for (int i = 0; i < hd / 2; i++) {
                    double freq = 1.0 / Math.pow(theta, 2.0 * i / hd);
                    double a = (startPos + b) * freq;
                    int i0 = interleaved ? base + 2 * i : base + i;
                    int i1 = interleaved ? base + 2 * i + 1 : base + i + hd / 2;
                    double v0 = x[i0];
                    double v1 = x[i1];
                    x[i0] = (float) (v0 * Math.cos(a) - v1 * Math.sin(a));
                    x[i1] = (float) (v0 * Math.sin(a) + v1 * Math.cos(a));
                }
            }
        }
    }

    /** Causal GQA attention: k, v are len x kvHeads*hd; q and the result batch x heads*hd. */
    static float[] attention(float[] q, float[] k, float[] v, int batch, int startPos, int heads, int kvHeads, int hd) {
        int kvDim = kvHeads * hd;
        float[] out = new float[batch * heads * hd];
        for (int b = 0; b < batch; b++) {
            int len = startPos + b + 1;
            for (int h = 0; h < heads; h++) {
                int kvh = h / (heads / kvHeads);
                double[] s = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int p = 0; p < len; p++) {
                    double acc = 0;
                    for (int d = 0; d < hd; d++) {
                        acc += (double) q[(b * heads + h) * hd + d] * k[p * kvDim + kvh * hd + d];
                    }
                    s[p] = acc / Math.sqrt(hd);
                    max = Math.max(max, s[p]);
                }
                double sum = 0;
                for (int p = 0; p < len; p++) {
                    s[p] = Math.exp(s[p] - max);
                    sum += s[p];
                }
                for (int d = 0; d < hd; d++) {
                    double acc = 0;
                    for (int p = 0; p < len; p++) {
                        acc += s[p] * v[p * kvDim + kvh * hd + d];
                    }
                    out[(b * heads + h) * hd + d] = (float) (acc / sum);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------ comparison

    /** |a - e| <= tol * max(1, max|e|) element-wise: relative to the output's scale. */
    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 1;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            int idx = i;
            double s = scale;
            assertTrue(err <= tol * s && !Float.isNaN(actual[i]), () -> what + ": element " + idx + " expected "
                    + expected[idx] + " but was " + actual[idx] + " (tolerance " + tol * s + ")");
        }
    }
}
