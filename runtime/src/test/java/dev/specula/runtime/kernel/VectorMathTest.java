package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.MatMulTest.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Element-wise and reduction kernels against scalar double-precision references, at odd offsets and lengths. */
class VectorMathTest {

    private static final int OFF = 3;

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 33, 100, 1027})
    void dotAndAxpy(int n) {
        Random random = new Random(n);
        float[] a = gaussian(random, n + OFF, 1f);
        float[] b = gaussian(random, n + 2 * OFF, 1f);
        double expected = 0;
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            expected += (double) a[OFF + i] * b[2 * OFF + i];
            magnitude += Math.abs((double) a[OFF + i] * b[2 * OFF + i]);
        }
        assertEquals(expected, VectorMath.dot(a, OFF, b, 2 * OFF, n), 1e-6 * magnitude + 1e-7);

        float[] y = b.clone();
        VectorMath.axpy(0.75f, a, OFF, y, 2 * OFF, n);
        for (int i = 0; i < y.length; i++) {
            boolean inside = i >= 2 * OFF && i < 2 * OFF + n;
            float want = inside ? (float) (b[i] + 0.75 * a[i - OFF]) : b[i];
            assertEquals(want, y[i], 1e-6f, "y[" + i + "]");
        }
    }

    /**
     * The lanes are summed in the documented order (one after another from lane 0; 16 lanes as a pairwise
     * tree), bit for bit, on values whose sum depends on the order (large values cancelling around small
     * ones), many times so that C2 compiles the sum.
     */
    @Test
    void sumLanesAddsLanesInOrder() {
        Random random = new Random(11);
        float[] lanes = new float[Species.LANES];
        for (int round = 0; round < 20_000; round++) {
            for (int i = 0; i < lanes.length; i++) {
                lanes[i] = (float) (random.nextGaussian() * (i % 2 == 0 ? 1e7 : 1));
            }
            float expected = lanes.length == 16 ? pairwise(lanes, 0, 16) : inOrder(lanes);
            float sum = VectorMath.sumLanes(FloatVector.fromArray(Species.FLOATS, lanes, 0));
            assertEquals(expected, sum, 0f, "round " + round);
        }
    }

    private static float inOrder(float[] v) {
        float sum = v[0];
        for (int i = 1; i < v.length; i++) {
            sum += v[i];
        }
        return sum;
    }

    private static float pairwise(float[] v, int from, int n) {
        return n == 1 ? v[from] : pairwise(v, from, n / 2) + pairwise(v, from + n / 2, n / 2);
    }

    /**
     * Within 2 ulp of the double-precision exponential across float's range, 0 below it, saturating above; at an
     * odd offset and length, so the last values go through the padded tail.
     */
    @Test
    void expMatchesTheExponential() {
        int n = 175_003;
        float[] x = new float[OFF + n];
        for (int i = 0; i < n; i++) {
            x[OFF + i] = -87f + i * 0.001f;
        }
        float[] y = x.clone();
        VectorMath.exp(y, OFF, n, 1f, 0f);
        for (int i = 0; i < n; i++) {
            float want = (float) Math.exp(x[OFF + i]);
            assertEquals(want, y[OFF + i], 2 * Math.ulp(want), "exp(" + x[OFF + i] + ")");
        }
        float[] edges = {0f, -87.5f, -1000f, Float.NEGATIVE_INFINITY, 100f, Float.POSITIVE_INFINITY, Float.NaN, 1f};
        float[] out = edges.clone();
        VectorMath.exp(out, 0, edges.length, 1f, 0f);
        for (int i = 0; i < edges.length; i++) {
            float e = edges[i];
            if (Float.isNaN(e)) {
                assertTrue(Float.isNaN(out[i]), "exp(NaN) is NaN");
                continue;
            }
            float want = e == 0f ? 1f : e < -87.3f ? 0f : e > 88.3f ? (float) Math.exp(88.3f) : (float) Math.E;
            assertEquals(want, out[i], Math.ulp(want) * 2, "exp(" + e + ")");
        }
    }

    /** {@code exp(scale * x + shift)}, as softmax (shift -max) and SiLU (scale -1) use it. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 33, 100})
    void expOfAScaledAndShiftedArgument(int n) {
        float[] x = gaussian(new Random(n), OFF + n + 2, 3f);
        float[] y = x.clone();
        VectorMath.exp(y, OFF, n, -1f, 0.5f);
        for (int i = 0; i < x.length; i++) {
            if (i < OFF || i >= OFF + n) {
                assertEquals(x[i], y[i], 0f, "outside the range, index " + i);
                continue;
            }
            float want = (float) Math.exp(-x[i] + 0.5f);
            assertEquals(want, y[i], 2 * Math.ulp(want), "exp(-" + x[i] + " + 0.5)");
        }
    }

    /** Within 2 ulp of the double-precision logarithm over positive normal floats, exact at 1. */
    @Test
    void logMatchesTheLogarithm() {
        int n = 320_005;
        float[] x = new float[OFF + n];
        Random random = new Random(5);
        for (int i = 0; i < n; i++) {
            // Half the values near 1, where the result is small and its ulp tiny.
            x[OFF + i] = i < 16 ? 1f + i
                    : i % 2 == 0 ? (float) random.nextDouble(0.5, 2) : (float) Math.exp(random.nextDouble(-87, 88));
        }
        float[] y = x.clone();
        VectorMath.log(y, OFF, n);
        for (int i = 0; i < n; i++) {
            float want = (float) Math.log(x[OFF + i]);
            assertEquals(want, y[OFF + i], 2 * Math.ulp(want), "log(" + x[OFF + i] + ")");
        }
        assertEquals(0f, y[OFF], 0f, "log(1)");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 9, 64, 515})
    void rmsnorm(int n) {
        Random random = new Random(n + 1);
        float[] x = gaussian(random, n + OFF, 3f);
        float[] weight = gaussian(random, n, 1f);
        float[] out = new float[n + 2 * OFF];
        VectorMath.rmsnorm(out, 2 * OFF, x, OFF, weight, n, 1e-5f);
        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += (double) x[OFF + i] * x[OFF + i];
        }
        double inv = 1 / Math.sqrt(squares / n + 1e-5);
        for (int i = 0; i < n; i++) {
            assertEquals(x[OFF + i] * inv * weight[i], out[2 * OFF + i], 1e-5 * (1 + Math.abs(x[OFF + i] * inv * weight[i])));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 77, 1000})
    void softmax(int n) {
        Random random = new Random(n + 2);
        float[] x = gaussian(random, n + OFF, 10f);
        float[] original = x.clone();
        VectorMath.softmax(x, OFF, n);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, original[OFF + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(original[OFF + i] - max);
        }
        for (int i = 0; i < OFF; i++) {
            assertEquals(original[i], x[i], "untouched prefix");
        }
        for (int i = 0; i < n; i++) {
            double want = Math.exp(original[OFF + i] - max) / sum;
            assertEquals(want, x[OFF + i], 1e-6 + 1e-5 * want);
        }
    }

    /** The largest element at every position (each of the four running maxima and the tail), and NaN wins. */
    @ParameterizedTest
    @ValueSource(ints = {1, 15, 16, 64, 81, 200})
    void maxFindsTheLargestWhereverItIs(int n) {
        Random random = new Random(n + 5);
        for (int at = 0; at < n; at++) {
            float[] x = gaussian(random, n + OFF, 1f);
            x[OFF + at] = 100f;
            assertEquals(100f, VectorMath.max(x, OFF, n), "largest at " + at);
        }
        float[] x = gaussian(random, n + OFF, 1f);
        x[OFF + n / 2] = Float.NaN;
        assertTrue(Float.isNaN(VectorMath.max(x, OFF, n)), "NaN");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 45, 1376})
    void swiglu(int n) {
        Random random = new Random(n + 3);
        float[] gate = gaussian(random, n + OFF, 4f);
        float[] up = gaussian(random, n, 1f);
        float[] original = gate.clone();
        VectorMath.swiglu(gate, OFF, up, 0, n);
        for (int i = 0; i < n; i++) {
            double g = original[OFF + i];
            double want = g / (1 + Math.exp(-g)) * up[i];
            assertEquals(want, gate[OFF + i], 1e-5 * (1 + Math.abs(want)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 19, 300})
    void addScaleArgmax(int n) {
        Random random = new Random(n + 4);
        float[] y = gaussian(random, n + OFF, 1f);
        float[] x = gaussian(random, n, 1f);
        float[] original = y.clone();
        VectorMath.add(y, OFF, x, 0, n);
        VectorMath.scale(y, OFF, n, -2f);
        int best = 0;
        for (int i = 0; i < n; i++) {
            assertEquals((original[OFF + i] + x[i]) * -2f, y[OFF + i], 1e-6f);
            if (y[OFF + i] > y[OFF + best]) {
                best = i;
            }
        }
        assertEquals(best, VectorMath.argmax(y, OFF, n));
        y[OFF + n - 1] = y[OFF + best]; // a tie resolves to the first
        assertEquals(best, VectorMath.argmax(y, OFF, n));
    }
}
