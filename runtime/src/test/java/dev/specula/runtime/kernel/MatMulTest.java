package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every weight type's matvec, batched matmul and row decode against scalar references on random data, and several
 * matrices multiplied in one call against each alone.
 */
class MatMulTest {

    /** Width of the fused products' matrices. */
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

    @ParameterizedTest
    @CsvSource({
            "F32, 37, 83, 1", "F32, 64, 256, 7", "F32, 6, 5, 2", "F32, 24, 300, 70",
            "F16, 37, 83, 1", "F16, 41, 512, 5", "F16, 29, 1100, 3", "F16, 29, 1100, 4",
            "BF16, 37, 83, 1", "BF16, 41, 512, 5",
            "Q8_0, 37, 96, 1", "Q8_0, 53, 288, 3", "Q8_0, 40, 2048, 9", "Q8_0, 16, 64, 17", "Q8_0, 19, 320, 40",
            "Q4_0, 37, 96, 1", "Q4_0, 53, 288, 3", "Q4_0, 40, 2048, 9", "Q4_0, 16, 64, 17", "Q4_0, 19, 544, 65",
            "Q5_0, 37, 96, 1", "Q5_0, 53, 288, 3", "Q5_0, 40, 2048, 4", "Q5_0, 16, 64, 17", "Q5_0, 19, 544, 9",
            "Q4_1, 37, 96, 1", "Q4_1, 53, 288, 3", "Q4_1, 40, 2048, 4", "Q4_1, 19, 544, 9",
            "Q5_1, 37, 96, 1", "Q5_1, 53, 288, 3", "Q5_1, 40, 2048, 4", "Q5_1, 19, 544, 9",
            "IQ4_NL, 37, 96, 1", "IQ4_NL, 53, 288, 3", "IQ4_NL, 40, 2048, 4", "IQ4_NL, 19, 544, 9",
            "IQ4_XS, 37, 256, 1", "IQ4_XS, 53, 768, 3", "IQ4_XS, 40, 2048, 4", "IQ4_XS, 19, 256, 9",
            "Q2_K, 37, 256, 1", "Q2_K, 53, 768, 3", "Q2_K, 40, 2048, 4", "Q2_K, 19, 256, 9",
            "Q3_K, 37, 256, 1", "Q3_K, 53, 768, 3", "Q3_K, 40, 2048, 4", "Q3_K, 19, 256, 9",
            "Q4_K, 37, 256, 1", "Q4_K, 53, 768, 3", "Q4_K, 40, 2048, 4", "Q4_K, 16, 512, 9", "Q4_K, 19, 256, 40",
            "Q5_K, 37, 256, 1", "Q5_K, 53, 768, 3", "Q5_K, 40, 2048, 4", "Q5_K, 16, 512, 9", "Q5_K, 19, 256, 40",
            "Q6_K, 37, 256, 1", "Q6_K, 53, 768, 3", "Q6_K, 40, 2048, 4", "Q6_K, 16, 512, 9", "Q6_K, 19, 256, 40",
    })
    void matmulMatchesScalarReference(GgmlType type, int rows, int cols, int batch) {
        Random random = new Random(rows * 31L + cols + batch);
        float[] w = gaussian(random, rows * cols, 0.5f);
        float[] x = gaussian(random, batch * cols, 1f);
        byte[] bytes = ScalarQuant.encode(type, w, rows, cols);
        Tensor t = ScalarQuant.tensor(type, w, rows, cols);
        Weights weights = WeightsFactory.of(t);
        float[] out = new float[batch * rows];

        MatMul.matmul(pool, weights, x, out, batch);

        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    double p = (double) ScalarQuant.decode(type, bytes, cols, r, c) * x[b * cols + c];
                    sum += p;
                    magnitude += Math.abs(p);
                }
                assertEquals(sum, out[b * rows + r], 1e-5 * magnitude + 1e-6,
                        type + " batch " + b + " row " + r);
            }
        }
    }

    /**
     * Exact except the types with an offset (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K), whose kernels decode {@code d * q - min} with one rounding (an FMA) where the reference
     * rounds twice, as llama.cpp's C does unless its compiler contracts the two.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    void rowDecodesEveryValue(GgmlType type) {
        int rows = 5;
        int cols = type.blockSize() == 256 ? 512 : 160;
        float tolerance = type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q4_1 || type == GgmlType.Q5_1
                || type == GgmlType.Q2_K ? 2e-6f : 0f;
        float[] w = gaussian(new Random(7), rows * cols, 2f);
        byte[] bytes = ScalarQuant.encode(type, w, rows, cols);
        Tensor t = ScalarQuant.tensor(type, w, rows, cols);
        Weights weights = WeightsFactory.of(t);
        float[] dst = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            weights.row(r, dst, 3);
            for (int c = 0; c < cols; c++) {
                assertEquals(ScalarQuant.decode(type, bytes, cols, r, c), dst[3 + c], tolerance, type + " (" + r + "," + c + ")");
            }
        }
    }

    /** All 65536 half bit patterns (subnormals, infinities and NaNs included) widen exactly in a row, across chunk boundaries. */
    @Test
    void f16WidensEveryBitPatternExactly() {
        int cols = 1 << 16;
        Weights weights = f16Row(cols, h -> h);
        float[] dst = new float[cols];
        weights.row(0, dst, 0);
        for (int h = 0; h < cols; h++) {
            assertEquals(Float.float16ToFloat((short) h), dst[h], 0f, "half 0x" + Integer.toHexString(h));
        }
    }

    /** A dot product with a one-hot activation returns that half exactly, wherever it sits relative to the widening chunks. */
    @Test
    void f16DotPicksEachHalfExactly() {
        int cols = 3 * F16Weights.CHUNK + 17;
        // Finite halves only (an infinity times zero would be NaN): subnormals, normals, both signs.
        IntUnaryOperator bits = c -> (c * 37) % 0x7c00 | (c % 2 == 0 ? 0 : 0x8000);
        Weights weights = f16Row(cols, bits);
        float[] out = new float[1];
        for (int c : new int[]{0, 1, F16Weights.CHUNK - 1, F16Weights.CHUNK, F16Weights.CHUNK + 1, 2 * F16Weights.CHUNK + 5, cols - 1}) {
            float[] x = new float[cols];
            x[c] = 1f;
            weights.matmul(x, out, 1, 0, 1);
            assertEquals(Float.float16ToFloat((short) bits.applyAsInt(c)), out[0], 0f, "column " + c);
        }
    }

    private static Weights f16Row(int cols, IntUnaryOperator bitsAt) {
        ByteBuffer bytes = ByteBuffer.allocate(2 * cols).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < cols; c++) {
            bytes.putShort((short) bitsAt.applyAsInt(c));
        }
        return WeightsFactory.of(new Tensor("w", GgmlType.F16, new long[]{cols, 1}, MemorySegment.ofArray(bytes.array())));
    }

    /** Guards the encoders (the test's own; the runtime's for k-quants): decoding must give back the data within the type's step. */
    @ParameterizedTest
    @CsvSource({"F16, 0.001", "BF16, 0.008", "Q8_0, 0.0041", "Q4_0, 0.126", "Q5_0, 0.063", "Q4_1, 0.07", "Q5_1, 0.035", "IQ4_NL, 0.1", "IQ4_XS, 0.1", "Q2_K, 0.5", "Q3_K, 0.25", "Q4_K, 0.07", "Q5_K, 0.065", "Q6_K, 0.032"})
    // Q4_0, Q5_0 and Q6_K clamp at their top value: a full step on the side opposite the extreme; Q4_K's half step is
    // 1/30 of a sub-block's range, and its 6-bit scales round too; the k-quants' least-squares searches (llama.cpp's)
    // may give up to a step at one value for less error over the sub-block
    void scalarEncoderRoundTrips(GgmlType type, double relativeStep) {
        int rows = 3;
        int cols = type.blockSize() == 256 ? 512 : 128;
        float[] w = gaussian(new Random(11), rows * cols, 1f);
        byte[] bytes = ScalarQuant.encode(type, w, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int block = 0; block < cols; block += ScalarQuant.BLOCK) {
                float amax = 0;
                for (int c = block; c < block + ScalarQuant.BLOCK; c++) {
                    amax = Math.max(amax, Math.abs(w[r * cols + c]));
                }
                for (int c = block; c < block + ScalarQuant.BLOCK; c++) {
                    float error = Math.abs(ScalarQuant.decode(type, bytes, cols, r, c) - w[r * cols + c]);
                    assertTrue(error <= relativeStep * amax, type + " error " + error + " at (" + r + "," + c + ")");
                }
            }
        }
    }

    static float[] gaussian(Random random, int n, float sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * sigma;
        }
        return v;
    }

    /** Interleaved Q4_K and Q4_0, a Q4_0 matrix too short to interleave, Q6_K and F32 in place: k-quant mixes. */
    private static Weights[] mixedMatrices(Random random) {
        return new Weights[] {
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_K, gaussian(random, 64 * COLS, 1f), 64, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q6_K, gaussian(random, 37 * COLS, 1f), 37, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, 128 * COLS, 1f), 128, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, 20 * COLS, 1f), 20, COLS)),
                WeightsFactory.resident(ScalarQuant.tensor(GgmlType.F32, gaussian(random, 5 * COLS, 1f), 5, COLS)),
        };
    }

    /**
     * Several matrices in one call, as q, k and v are: each output equals that matrix's own product bit for bit,
     * whatever the mix of layouts and row counts.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 4, 9})
    void fusedOutputsEqualEachMatrixAlone(int batch) {
        Random random = new Random(batch);
        Weights[] ws = mixedMatrices(random);
        assertTrue(ws[0].copiedBytes() > 0 && ws[2].copiedBytes() > 0, "interleaved layouts in the mix");
        float[] x = gaussian(random, batch * COLS, 1f);
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

    /** Activations quantized once per thread for a call never serve a later call. */
    @Test
    void newActivationsInTheSameArrayAreQuantizedAgain() {
        Random random = new Random(7);
        Weights[] ws = mixedMatrices(random);
        float[] x = gaussian(random, COLS, 1f);
        float[] first = new float[ws[0].rows()];
        float[] again = new float[ws[0].rows()];
        MatMul.matmul(pool, ws[0], x, first, 1);
        float[] changed = gaussian(random, COLS, 1f);
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
        Weights wide = WeightsFactory.of(ScalarQuant.tensor(GgmlType.F32, gaussian(random, 4 * COLS, 1f), 4, COLS));
        Weights narrow = WeightsFactory.of(ScalarQuant.tensor(GgmlType.F32, gaussian(random, 4 * 64, 1f), 4, 64));
        float[] x = new float[COLS];
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> MatMul.matmul(pool, new Weights[] {wide, narrow}, x, new float[][] {new float[4], new float[4]}, 1));
        assertEquals("matrices of 512 and 64 columns", widths.getMessage());
        IllegalArgumentException outputs = assertThrows(IllegalArgumentException.class,
                () -> MatMul.matmul(pool, new Weights[] {wide, wide}, x, new float[][] {new float[4]}, 1));
        assertEquals("2 matrices for 1 outputs", outputs.getMessage());
        MatMul.matmul(pool, new Weights[0], x, new float[0][], 9); // none: nothing to do, at any batch
    }
}
