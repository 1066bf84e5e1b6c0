package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.tensor.GgmlType;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several matrices multiplied in one {@link MatMul} call, as q, k and v are: each output equals that matrix's own
 * product bit for bit, whatever the mix of layouts and row counts, and activations quantized once per thread for a
 * call never serve a later call.
 */
class FusedMatMulTest {

    private static final int COLS = 512;
    private static ComputePool pool;

    @BeforeAll
    static void startPool() {
        pool = new ComputePool(3);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    /** Interleaved Q4_K and Q4_0, a Q4_0 matrix too short to interleave, Q6_K and F32 in place: k-quant mixes. */
    private static Weights[] mixedMatrices(Random random) {
        return new Weights[] {
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_K, gaussian(random, 64 * COLS), 64, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q6_K, gaussian(random, 37 * COLS), 37, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, 96 * COLS), 96, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, 20 * COLS), 20, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.F32, gaussian(random, 5 * COLS), 5, COLS)),
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 9})
    void eachOutputEqualsItsMatrixAlone(int batch) {
        Random random = new Random(batch);
        Weights[] ws = mixedMatrices(random);
        assertTrue(ws[0].copiedBytes() > 0 && ws[2].copiedBytes() > 0, "interleaved layouts in the mix");
        float[] x = gaussian(random, batch * COLS);
        float[][] fused = new float[ws.length][];
        for (int i = 0; i < ws.length; i++) {
            fused[i] = new float[batch * ws[i].rows()];
        }

        MatMul.matmul(pool, ws, x, fused, batch);

        for (int i = 0; i < ws.length; i++) {
            float[] alone = new float[batch * ws[i].rows()];
            MatMul.matmul(pool, ws[i], x, alone, batch);
            assertArrayEquals(alone, fused[i], ws[i].tensor().type() + " " + ws[i].rows() + " rows, batch " + batch);
        }
    }

    @Test
    void newActivationsInTheSameArrayAreQuantizedAgain() {
        Random random = new Random(7);
        Weights[] ws = mixedMatrices(random);
        float[] x = gaussian(random, COLS);
        float[] first = new float[ws[0].rows()];
        float[] again = new float[ws[0].rows()];
        MatMul.matmul(pool, ws[0], x, first, 1);
        float[] changed = gaussian(random, COLS);
        System.arraycopy(changed, 0, x, 0, COLS);
        // A call without MatMul in between, on this thread, must not leave its quantization to be taken either.
        ws[2].matmul(x, new float[ws[2].rows()], 1, 0, ws[2].rows());

        MatMul.matmul(pool, ws[0], x, again, 1);

        float[] expected = new float[ws[0].rows()];
        ws[0].matmul(changed, expected, 1, 0, ws[0].rows());
        assertArrayEquals(expected, again);
        assertTrue(Math.abs(first[0] - again[0]) > 0, "the new activations gave a new product");
    }

    @Test
    void matricesOfDifferentWidthsOrMissingOutputsAreRefused() {
        Random random = new Random(3);
        Weights wide = WeightsFactory.of(ScalarQuant.tensor(GgmlType.F32, gaussian(random, 4 * COLS), 4, COLS));
        Weights narrow = WeightsFactory.of(ScalarQuant.tensor(GgmlType.F32, gaussian(random, 4 * 64), 4, 64));
        float[] x = new float[COLS];
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> MatMul.matmul(pool, new Weights[] {wide, narrow}, x, new float[][] {new float[4], new float[4]}, 1));
        assertEquals("matrices of 512 and 64 columns", widths.getMessage());
        IllegalArgumentException outputs = assertThrows(IllegalArgumentException.class,
                () -> MatMul.matmul(pool, new Weights[] {wide, wide}, x, new float[][] {new float[4]}, 1));
        assertEquals("2 matrices for 1 outputs", outputs.getMessage());
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
