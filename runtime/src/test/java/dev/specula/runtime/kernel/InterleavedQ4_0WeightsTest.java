package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.InterleavedQ4_0Weights.GROUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The interleaved Q4_0 layout's 16-bit products against two independent references: the same integer arithmetic
 * written out in scalar code (8-bit activations per block, exact integer sums), and the float product of the
 * dequantized weights, which they may miss by at most half an activation quantization step per value.
 */
class InterleavedQ4_0WeightsTest {

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
    @CsvSource({"1, 32, 1", "2, 96, 1", "3, 544, 2", "1, 2048, 3", "4, 64, 4", "2, 1376, 4"})
    void productsMatchTheScalarInt8Reference(int groups, int cols, int batch) {
        int rows = groups * GROUP;
        Random random = new Random(groups * 131L + cols + batch);
        float[] w = gaussian(random, rows * cols, 0.5f);
        float[] x = gaussian(random, batch * cols, 1f);
        // A block of zeros: its scale is 0, and so are its products.
        Arrays.fill(x, 0, 32, 0f);
        byte[] bytes = ScalarQuant.encode(GgmlType.Q4_0, w, rows, cols);
        Weights weights = WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, w, rows, cols));
        assertInstanceOf(InterleavedQ4_0Weights.class, weights);
        float[] out = new float[batch * rows];

        MatMul.matmul(pool, weights, x, out, batch);

        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                double magnitude = 0;
                double bound = 0;
                for (int k = 0; k < cols; k += 32) {
                    float max = 0;
                    for (int i = 0; i < 32; i++) {
                        max = Math.max(max, Math.abs(x[b * cols + k + i]));
                    }
                    float inverse = max == 0 ? 0 : 127 / max;
                    long integer = 0;
                    for (int i = 0; i < 32; i++) {
                        int q = (int) Math.rint(x[b * cols + k + i] * inverse);
                        integer += (long) centredNibble(bytes, cols, r, k + i) * q;
                        bound += Math.abs(ScalarQuant.decode(GgmlType.Q4_0, bytes, cols, r, k + i)) * (max / 127) / 2;
                    }
                    double term = (double) blockScale(bytes, cols, r, k) * (max / 127) * integer;
                    sum += term;
                    magnitude += Math.abs(term);
                }
                float got = out[b * rows + r];
                assertEquals(sum, got, 1e-5 * magnitude + 1e-6, "batch " + b + " row " + r + " (integer reference)");
                double exact = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) ScalarQuant.decode(GgmlType.Q4_0, bytes, cols, r, c) * x[b * cols + c];
                }
                assertEquals(exact, got, bound * 1.0001 + 1e-5 * magnitude + 1e-6,
                        "batch " + b + " row " + r + " (float reference)");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"2, 96, 9", "3, 2048, 70"})
    void promptBatchesEqualTheInPlaceKernelBitForBit(int groups, int cols, int batch) {
        int rows = groups * GROUP;
        Random random = new Random(cols + batch);
        Tensor t = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, rows * cols, 0.5f), rows, cols);
        float[] x = gaussian(random, batch * cols, 1f);
        float[] inPlace = new float[batch * rows];
        float[] interleaved = new float[batch * rows];

        MatMul.matmul(pool, WeightsFactory.of(t), x, inPlace, batch);
        MatMul.matmul(pool, WeightsFactory.resident(t), x, interleaved, batch);

        assertArrayEquals(inPlace, interleaved);
    }

    @Test
    void rowsAndGroupsDecodeAsTheFileLayoutDoes() {
        int rows = 2 * GROUP;
        int cols = 96;
        Tensor t = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(new Random(5), rows * cols, 0.5f), rows, cols);
        Weights inPlace = WeightsFactory.of(t);
        InterleavedQ4_0Weights interleaved = (InterleavedQ4_0Weights) WeightsFactory.resident(t);
        float[] group = new float[GROUP * cols];
        interleaved.decodeGroup(GROUP, group);
        for (int r = 0; r < rows; r++) {
            float[] expected = new float[cols];
            float[] got = new float[cols];
            inPlace.row(r, expected, 0);
            interleaved.row(r, got, 0);
            assertArrayEquals(expected, got, "row " + r);
            if (r >= GROUP) {
                for (int k = 0; k < cols; k++) {
                    assertEquals(expected[k], group[k * GROUP + r - GROUP], "group row " + r + " column " + k);
                }
            }
        }
    }

    @Test
    void anyRowRangeGivesThatRangesProducts() {
        int rows = 3 * GROUP;
        int cols = 64;
        Random random = new Random(11);
        Weights w = WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, rows * cols, 0.5f), rows, cols));
        for (int batch : new int[]{1, 3, 8}) {
            float[] x = gaussian(random, batch * cols, 1f);
            float[] all = new float[batch * rows];
            w.matmul(x, all, batch, 0, rows);
            float[] part = new float[batch * rows];
            int from = GROUP / 2 + 1;
            int to = 2 * GROUP + 3;
            w.matmul(x, part, batch, from, to);
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < rows; r++) {
                    float expected = r >= from && r < to ? all[b * rows + r] : 0f;
                    assertEquals(expected, part[b * rows + r], "batch " + batch + " entry " + b + " row " + r);
                }
            }
        }
    }

    @Test
    void onlyQ4_0InWholeGroupsIsCopied() {
        Random random = new Random(3);
        Tensor whole = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, GROUP * 64, 0.5f), GROUP, 64);
        Tensor partial = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, (GROUP + 1) * 64, 0.5f), GROUP + 1, 64);
        Tensor q8 = ScalarQuant.tensor(GgmlType.Q8_0, gaussian(random, GROUP * 64, 0.5f), GROUP, 64);
        assertEquals(whole.byteSize(), WeightsFactory.resident(whole).copiedBytes());
        assertInstanceOf(Q4_0Weights.class, WeightsFactory.resident(partial));
        assertEquals(0, WeightsFactory.resident(partial).copiedBytes());
        assertInstanceOf(Q8_0Weights.class, WeightsFactory.resident(q8));
    }

    /** The file's pages are let go once copied; the copy, not the mapping, is what the products read. */
    @Test
    void aMappedTensorIsCopiedAndItsPagesReleased(@TempDir Path dir) throws IOException {
        int rows = 2 * GROUP;
        int cols = 128;
        Random random = new Random(21);
        float[] values = gaussian(random, rows * cols, 0.5f);
        Path file = dir.resolve("q4_0.bin");
        Files.write(file, ScalarQuant.encode(GgmlType.Q4_0, values, rows, cols));
        float[] x = gaussian(random, cols, 1f);
        float[] expected = new float[rows];
        MatMul.matmul(pool, WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, values, rows, cols)), x, expected, 1);
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Weights w = WeightsFactory.resident(new Tensor("mapped", GgmlType.Q4_0, new long[]{cols, rows}, mapped));
            float[] got = new float[rows];
            MatMul.matmul(pool, w, x, got, 1);
            assertArrayEquals(expected, got);
        }
    }

    /** The fp16 scale of the block holding row {@code r}'s value {@code c}, read from the file layout. */
    private static float blockScale(byte[] bytes, int cols, int r, int c) {
        int at = (r * (cols / 32) + c / 32) * 18;
        return Float.float16ToFloat((short) ((bytes[at] & 0xff) | (bytes[at + 1] << 8)));
    }

    /** Row {@code r}'s value {@code c} as its nibble minus 8, read from the file layout. */
    private static int centredNibble(byte[] bytes, int cols, int r, int c) {
        int i = c % 32;
        int packed = bytes[(r * (cols / 32) + c / 32) * 18 + 2 + i % 16] & 0xff;
        return (i < 16 ? packed & 0x0f : packed >>> 4) - 8;
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * scale;
        }
        return a;
    }
}
