package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Batched products (groups of four rows share each decoded weight) against a scalar reference
 * over the dequantized values, for batch sizes that use the four-row kernel, the single-row one, or both.
 */
class BatchedMatMulTest {
    private static final int ROWS = 19;
    private static final int COLS = 96;

    private static Tensor f32(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Tensor("w", GgmlType.F32, new long[]{COLS, ROWS}, MemorySegment.ofArray(b.array()));
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

    private static void check(Weights w, float[] dense, Random random) {
        for (int batch : new int[]{1, 3, 4, 5, 8, 9}) {
            float[] x = new float[batch * COLS];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[batch * ROWS];
            w.matmul(x, out, batch, 0, ROWS);
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < ROWS; r++) {
                    double expected = 0;
                    for (int c = 0; c < COLS; c++) {
                        expected += (double) dense[r * COLS + c] * x[b * COLS + c];
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
        float[] dense = new float[ROWS * COLS];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) random.nextGaussian();
        }
        check(WeightsFactory.of(f32(dense)), dense, random);
    }

    @Test
    void q8BatchesMatchScalarReference() {
        Random random = new Random(2);
        float[] dense = new float[ROWS * COLS];
        check(WeightsFactory.of(q8(random, dense)), dense, random);
    }
}
