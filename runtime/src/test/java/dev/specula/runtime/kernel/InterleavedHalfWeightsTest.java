package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.InterleavedWeights.GROUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * F16 and BF16 widened in registers from the interleaved layout, against a scalar reference written from the file's
 * bytes: each value decoded by the JDK ({@link Float#float16ToFloat}) or as a float's high half, products summed in
 * double. Their rows, groups and row ranges are tested with the other layouts' ({@link InterleavedWeightsTest}).
 */
class InterleavedHalfWeightsTest {

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
    @CsvSource({"F16, 1, 32, 1", "F16, 2, 96, 2", "F16, 3, 544, 3", "F16, 1, 2048, 4", "F16, 2, 160, 9",
            "BF16, 1, 32, 1", "BF16, 2, 96, 2", "BF16, 3, 544, 3", "BF16, 1, 2048, 4", "BF16, 2, 160, 9"})
    void productsMatchTheScalarReference(GgmlType type, int groups, int cols, int batch) {
        int rows = groups * GROUP;
        Random random = new Random(groups * 31L + cols + batch);
        float[] w = gaussian(random, rows * cols, 0.5f);
        float[] x = gaussian(random, batch * cols, 1f);
        byte[] bytes = ScalarQuant.encode(type, w, rows, cols);
        Weights weights = WeightsFactory.resident(ScalarQuant.tensor(type, w, rows, cols));
        assertInstanceOf(InterleavedHalfWeights.class, weights);
        float[] out = new float[batch * rows];

        MatMul.matmul(pool, weights, x, out, batch);

        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    double term = (double) ScalarQuant.decode(type, bytes, cols, r, c) * x[b * cols + c];
                    sum += term;
                    magnitude += Math.abs(term);
                }
                assertEquals(sum, out[b * rows + r], 1e-6 * magnitude + 1e-7, "batch " + b + " row " + r);
            }
        }
    }

    /**
     * Every row one value away from zero, on one column: each product is that value times one activation, exact, so
     * the widening shows for subnormals, the largest fp16 and rows in their places (the rows' values differ).
     * Activations of 2^60 and of 2^-40 keep their products exact: the fp16 kernel's scaling neither overflows nor
     * loses them.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16"})
    void specialValuesWidenExactly(GgmlType type) {
        int rows = 2 * GROUP;
        int cols = 64;
        short[] specials = type == GgmlType.F16
                ? new short[]{0x0000, (short) 0x8000, 0x0001, (short) 0x8001, 0x03ff, 0x0400, 0x7bff, (short) 0xfbff,
                    0x3c00, (short) 0xbc00, 0x3555, 0x1234}
                : new short[]{0x0000, (short) 0x8000, 0x0001, (short) 0x8001, 0x007f, 0x0080, 0x7f7f, (short) 0xff7f,
                    0x3f80, (short) 0xbf80, 0x3eab, 0x1234};
        ByteBuffer file = ByteBuffer.allocate(rows * cols * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        Random random = new Random(9);
        float[] expected = new float[rows];
        for (int r = 0; r < rows; r++) {
            // Past the special values, random finite ones of either sign.
            short bits = r < specials.length ? specials[r]
                    : (short) (random.nextInt(type == GgmlType.F16 ? 0x7c00 : 0x7f80) | (r % 2 == 0 ? 0 : 0x8000));
            expected[r] = type == GgmlType.F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
            file.putShort((r * cols + 37) * Short.BYTES, bits);
        }
        Tensor t = new Tensor("specials", type, new long[]{cols, rows}, MemorySegment.ofArray(file.array()));
        Weights w = WeightsFactory.resident(t);
        for (float activation : new float[]{1f, 0x1p60f, 0x1p-40f}) {
            for (int batch : new int[]{1, 4}) {
                float[] x = new float[batch * cols];
                for (int b = 0; b < batch; b++) {
                    x[b * cols + 37] = activation * (b + 1);
                }
                float[] out = new float[batch * rows];
                MatMul.matmul(pool, w, x, out, batch);
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < rows; r++) {
                        // A sum's zero is +0 whatever its terms' signs: a zero of either sign passes.
                        assertEquals(expected[r] * (activation * (b + 1)), out[b * rows + r], 0f,
                                "activation " + activation + " batch " + batch + " row " + r);
                    }
                }
            }
        }
        // Decoded values are not sums: there a zero keeps its sign.
        float[] row = new float[cols];
        float[] group = new float[GROUP * cols];
        w.row(1, row, 0);
        ((GroupDecoding) w).decodeGroup(GROUP, group);
        assertEquals(expected[1], row[37]);
        for (int r = GROUP; r < rows; r++) {
            assertEquals(expected[r], group[37 * GROUP + r - GROUP], "decoded row " + r);
        }
    }

    /**
     * Matrices of one product share its activations' preparation on each thread: products of several matrices, each
     * with its own input, in turn, equal each alone, so no thread takes another product's activations.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void productsInTurnKeepTheirOwnActivations(int batch) {
        int rows = 4 * GROUP;
        int cols = 128;
        Random random = new Random(17);
        Weights[] ws = new Weights[2];
        for (int i = 0; i < ws.length; i++) {
            ws[i] = WeightsFactory.resident(ScalarQuant.tensor(GgmlType.F16, gaussian(random, rows * cols, 0.5f), rows,
                    cols));
        }
        float[] x = gaussian(random, batch * cols, 1f);
        float[] y = gaussian(random, batch * cols, 1f);
        float[][] together = {new float[batch * rows], new float[batch * rows]};
        float[] alone = new float[batch * rows];

        MatMul.matmul(pool, ws, x, together, batch);
        MatMul.matmul(pool, ws[0], y, alone, batch);
        float[] first = new float[batch * rows];
        MatMul.matmul(pool, ws[0], x, first, batch);

        assertArrayEquals(first, together[0]);
        float[] second = new float[batch * rows];
        ws[1].matmul(x, second, batch, 0, rows);
        assertArrayEquals(second, together[1]);
        float[] again = new float[batch * rows];
        ws[0].matmul(y, again, batch, 0, rows);
        assertArrayEquals(again, alone);
    }

    /** Copied where rows fill whole groups and columns whole units; else multiplied in place. */
    @Test
    void onlyWholeGroupsAndUnitsAreCopied() {
        Random random = new Random(3);
        Tensor whole = ScalarQuant.tensor(GgmlType.F16, gaussian(random, GROUP * 64, 0.5f), GROUP, 64);
        Tensor rowsLeft = ScalarQuant.tensor(GgmlType.F16, gaussian(random, (GROUP + 1) * 64, 0.5f), GROUP + 1, 64);
        Tensor colsLeft = ScalarQuant.tensor(GgmlType.BF16, gaussian(random, GROUP * 48, 0.5f), GROUP, 48);
        Tensor bf16 = ScalarQuant.tensor(GgmlType.BF16, gaussian(random, GROUP * 64, 0.5f), GROUP, 64);

        assertInstanceOf(InterleavedF16Weights.class, WeightsFactory.resident(whole));
        assertEquals(whole.byteSize(), WeightsFactory.resident(whole).copiedBytes());
        assertEquals(whole.byteSize(), WeightsFactory.residentCopyBytes(whole));
        assertInstanceOf(InterleavedBF16Weights.class, WeightsFactory.resident(bf16));
        assertInstanceOf(F16Weights.class, WeightsFactory.resident(rowsLeft));
        assertEquals(0, WeightsFactory.residentCopyBytes(rowsLeft));
        assertInstanceOf(BF16Weights.class, WeightsFactory.resident(colsLeft));
        assertEquals(0, WeightsFactory.resident(colsLeft).copiedBytes());
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }
}
