package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Batched products against a scalar reference over the dequantized values, for batch sizes that
 * use the register kernels (2..4 activation rows; F32 two weight rows per pass), the float tile kernel (four
 * weight rows at a time, with its single-row remainder), or both.
 */
class BatchedMatMulTest {
    private static final int ROWS = 19;
    private static final int COLS = 96;

    private static Tensor f32(float[] values) {
        return f32(values, ROWS, COLS);
    }

    private static Tensor f32(float[] values, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Tensor("w", GgmlType.F32, new long[]{cols, rows}, MemorySegment.ofArray(b.array()));
    }

    private static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Halves of random values; fills {@code dense} with what they decode to. */
    private static Tensor f16(Random random, float[] dense, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            short h = Float.floatToFloat16((float) random.nextGaussian());
            b.putShort(h);
            dense[i] = Float.float16ToFloat(h);
        }
        return new Tensor("w", GgmlType.F16, new long[]{cols, rows}, MemorySegment.ofArray(b.array()));
    }

    /** bfloat16s of random values (the top halves of floats); fills {@code dense} with what they decode to. */
    private static Tensor bf16(Random random, float[] dense, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            short h = (short) (Float.floatToRawIntBits((float) random.nextGaussian()) >>> 16);
            b.putShort(h);
            dense[i] = Float.intBitsToFloat(h << 16);
        }
        return new Tensor("w", GgmlType.BF16, new long[]{cols, rows}, MemorySegment.ofArray(b.array()));
    }

    /** Q8_0 blocks (fp16 scale, 32 int8) of random quants; returns the tensor and fills {@code dense} with its values. */
    private static Tensor q8(Random random, float[] dense) {
        int blocks = ROWS * COLS / 32;
        ByteBuffer b = ByteBuffer.allocate(blocks * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < blocks; blk++) {
            short d = Float.floatToFloat16(0.01f + random.nextFloat() * 0.05f);
            b.putShort(d);
            for (int j = 0; j < 32; j++) {
                byte q = (byte) (random.nextInt(255) - 127);
                b.put(q);
                dense[blk * 32 + j] = Float.float16ToFloat(d) * q;
            }
        }
        return new Tensor("w", GgmlType.Q8_0, new long[]{COLS, ROWS}, MemorySegment.ofArray(b.array()));
    }

    /** Q4_0 blocks (fp16 scale, 16 bytes of nibbles) of random quants, as {@link #q8}. */
    private static Tensor q4(Random random, float[] dense) {
        return q4(random, dense, ROWS);
    }

    private static Tensor q4(Random random, float[] dense, int rows) {
        int blocks = rows * COLS / 32;
        ByteBuffer b = ByteBuffer.allocate(blocks * 18).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < blocks; blk++) {
            short d = Float.floatToFloat16(0.01f + random.nextFloat() * 0.05f);
            b.putShort(d);
            for (int j = 0; j < 16; j++) {
                int low = random.nextInt(16);
                int high = random.nextInt(16);
                b.put((byte) (low | high << 4));
                dense[blk * 32 + j] = Float.float16ToFloat(d) * (low - 8);
                dense[blk * 32 + 16 + j] = Float.float16ToFloat(d) * (high - 8);
            }
        }
        return new Tensor("w", GgmlType.Q4_0, new long[]{COLS, rows}, MemorySegment.ofArray(b.array()));
    }

    private static void check(Weights w, float[] dense, Random random) {
        check(w, dense, random, COLS, 1, 2, 3, 4, 5, 8, 9);
    }

    private static void check(Weights w, float[] dense, Random random, int cols, int... batches) {
        for (int batch : batches) {
            float[] x = new float[batch * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[batch * ROWS];
            w.matmul(x, out, batch, 0, ROWS);
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < ROWS; r++) {
                    double expected = 0;
                    for (int c = 0; c < cols; c++) {
                        expected += (double) dense[r * cols + c] * x[b * cols + c];
                    }
                    assertEquals(expected, out[b * ROWS + r], 1e-4 * (1 + Math.abs(expected)),
                            w.tensor().type() + " batch " + batch + " row " + r + " entry " + b);
                }
            }
        }
    }

    @Test
    void f32BatchesMatchScalarReference() {
        Random random = new Random(1);
        float[] dense = gaussian(random, ROWS * COLS);
        check(WeightsFactory.of(f32(dense)), dense, random);
    }

    @Test
    void bf16BatchesMatchScalarReference() {
        Random random = new Random(9);
        float[] dense = new float[ROWS * COLS];
        check(WeightsFactory.of(bf16(random, dense, ROWS, COLS)), dense, random);
    }

    /** Ensemble batches (F32 two weight rows per pass) on rows whose length is no whole number of vectors. */
    @Test
    void elementBatchesWithColumnTailMatchScalarReference() {
        Random random = new Random(7);
        int cols = 101;
        float[] dense = gaussian(random, ROWS * cols);
        check(WeightsFactory.of(f32(dense, ROWS, cols)), dense, random, cols, 2, 3, 4);
        check(WeightsFactory.of(bf16(random, dense, ROWS, cols)), dense, random, cols, 2, 3, 4);
    }

    /**
     * Rows of every type computed in one range (F32 and, with 512-bit vectors, BF16, Q8_0 and Q4_0 pair them, two
     * weight rows per pass; all but F32 touch them in runs of 16) or one at a time give the same bits, so
     * splitting rows over threads cannot change a result.
     */
    @Test
    void rowsGiveTheSameBitsPairedOrAlone() {
        Random random = new Random(8);
        int f32Cols = 101;
        int f16Cols = 2 * F16Weights.CHUNK + 76;
        Weights[] weights = {
                WeightsFactory.of(f32(gaussian(random, ROWS * f32Cols), ROWS, f32Cols)),
                WeightsFactory.of(f16(random, new float[ROWS * f16Cols], ROWS, f16Cols)),
                WeightsFactory.of(bf16(random, new float[ROWS * f32Cols], ROWS, f32Cols)),
                WeightsFactory.of(q8(random, new float[ROWS * COLS])),
                WeightsFactory.of(q4(random, new float[ROWS * COLS]))};
        for (Weights w : weights) {
            float[] x = gaussian(random, 4 * w.cols());
            float[] paired = new float[4 * ROWS];
            w.matmul(x, paired, 4, 0, ROWS);
            float[] alone = new float[4 * ROWS];
            for (int r = 0; r < ROWS; r++) {
                w.matmul(x, alone, 4, r, r + 1);
            }
            for (int i = 0; i < paired.length; i++) {
                assertEquals(paired[i], alone[i], 0f, w.tensor().type() + " row " + i % ROWS + " entry " + i / ROWS);
            }
        }
    }

    @Test
    void f16BatchesMatchScalarReference() {
        Random random = new Random(5);
        float[] dense = new float[ROWS * COLS];
        check(WeightsFactory.of(f16(random, dense, ROWS, COLS)), dense, random);
    }

    /** F16 widens rows in chunks: ensemble-sized batches of rows longer than a chunk, with a tail, against the scalar reference. */
    @Test
    void f16BatchesSpanningChunksMatchScalarReference() {
        Random random = new Random(6);
        int cols = 2 * F16Weights.CHUNK + 76;
        float[] dense = new float[ROWS * cols];
        check(WeightsFactory.of(f16(random, dense, ROWS, cols)), dense, random, cols, 2, 3, 4);
    }

    @Test
    void q8BatchesMatchScalarReference() {
        Random random = new Random(2);
        float[] dense = new float[ROWS * COLS];
        check(WeightsFactory.of(q8(random, dense)), dense, random);
    }

    @Test
    void q4BatchesMatchScalarReference() {
        Random random = new Random(3);
        float[] dense = new float[ROWS * COLS];
        check(WeightsFactory.of(q4(random, dense)), dense, random);
    }

    /**
     * Prompt batches in tiles of six rows and of eight (the register tiles for cores with 16 and with 32 vector
     * registers) give the same bits, since every sum adds its products in column order, and match the scalar
     * reference: weights read a row at a time (45 rows: blocks of 24 or 32, short last tiles) and interleaved groups
     * (two, in a range that splits both).
     */
    @Test
    void bothTileShapesGiveTheSameBits() {
        Random random = new Random(10);
        int rows = 45;
        float[] dense = gaussian(random, rows * COLS);
        tilesAgree(WeightsFactory.of(f32(dense, rows, COLS)), dense, 0, rows, random);
        int groupRows = 2 * InterleavedQ4_0Weights.ROWS;
        float[] q4Dense = new float[groupRows * COLS];
        Weights grouped = WeightsFactory.resident(q4(random, q4Dense, groupRows));
        assertInstanceOf(GroupDecoding.class, grouped);
        tilesAgree(grouped, q4Dense, 3, groupRows - 5, random);
    }

    private static void tilesAgree(Weights w, float[] dense, int from, int to, Random random) {
        int batch = 9;
        float[] x = gaussian(random, batch * COLS);
        float[][] outs = new float[2][batch * w.rows()];
        int[] tileRows = {6, 8};
        for (int i = 0; i < 2; i++) {
            BatchActivations a = BatchActivations.ofThisThread(x, COLS, batch);
            if (w instanceof GroupDecoding g) {
                BatchKernel.matmul(g, a, outs[i], from, to, tileRows[i]);
            } else {
                BatchKernel.matmul(w, a, outs[i], from, to, tileRows[i]);
            }
        }
        assertArrayEquals(outs[0], outs[1], w.tensor().type() + ": tiles of six and of eight");
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < w.rows(); r++) {
                double expected = 0;
                for (int c = 0; r >= from && r < to && c < COLS; c++) {
                    expected += (double) dense[r * COLS + c] * x[b * COLS + c];
                }
                assertEquals(expected, outs[1][b * w.rows() + r], 1e-4 * (1 + Math.abs(expected)),
                        w.tensor().type() + " row " + r + " entry " + b);
            }
        }
    }

    /** An ensemble whose members are identical must see identical outputs, bit for bit, whatever the batch. */
    @Test
    void identicalActivationRowsGiveIdenticalOutputs() {
        Random random = new Random(4);
        float[] dense = new float[ROWS * COLS];
        for (Weights w : new Weights[]{WeightsFactory.of(q8(random, dense)), WeightsFactory.of(q4(random, dense)),
                WeightsFactory.of(f32(dense)), WeightsFactory.of(f16(random, dense, ROWS, COLS)),
                WeightsFactory.of(bf16(random, dense, ROWS, COLS))}) {
            for (int batch = 2; batch <= 9; batch++) {
                float[] x = new float[batch * COLS];
                for (int c = 0; c < COLS; c++) {
                    x[c] = (float) random.nextGaussian();
                }
                for (int b = 1; b < batch; b++) {
                    System.arraycopy(x, 0, x, b * COLS, COLS);
                }
                float[] out = new float[batch * ROWS];
                w.matmul(x, out, batch, 0, ROWS);
                for (int b = 1; b < batch; b++) {
                    for (int r = 0; r < ROWS; r++) {
                        assertEquals(out[r], out[b * ROWS + r], 0f,
                                w.tensor().type() + " batch " + batch + " row " + r + " entry " + b);
                    }
                }
            }
        }
    }
}
