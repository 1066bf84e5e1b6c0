package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.InterleavedQ4_0Weights.ROWS;
import static dev.specula.runtime.kernel.InterleavedWeights.GROUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The interleaved layouts' 16-bit products against two independent references: the same integer arithmetic
 * written out in scalar code from the file layout (8-bit activations per block, exact integer sums, ggml's own
 * unpacking of Q4_K's scales), and the float product of the dequantized weights, which they may miss by at most
 * half an activation quantization step per value.
 */
class InterleavedWeightsTest {

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
    @CsvSource({"Q4_0, 1, 32, 1", "Q4_0, 2, 96, 1", "Q4_0, 3, 544, 2", "Q4_0, 1, 2048, 3", "Q4_0, 4, 64, 4",
            "Q4_0, 2, 1376, 4", "Q4_0_WIDE, 1, 32, 1", "Q4_0_WIDE, 2, 96, 1", "Q4_0_WIDE, 3, 544, 2",
            "Q4_0_WIDE, 2, 1376, 3", "Q4_0_WIDE, 1, 64, 4", "Q4_K, 1, 256, 1", "Q4_K, 2, 768, 2", "Q4_K, 1, 2048, 3",
            "Q4_K, 2, 512, 4", "Q6_K, 1, 256, 1", "Q6_K, 2, 768, 2", "Q6_K, 1, 2048, 3", "Q6_K, 2, 512, 4", "Q8_0, 1, 32, 1",
            "Q8_0, 2, 96, 1", "Q8_0, 3, 544, 2", "Q8_0, 1, 2048, 3", "Q8_0, 2, 1376, 4"})
    void productsMatchTheScalarInt8Reference(Layout layout, int groups, int cols, int batch) {
        GgmlType type = layout.type;
        int rows = groups * layout.groupRows;
        Random random = new Random(groups * 131L + cols + batch);
        float[] w = gaussian(random, rows * cols, 0.5f);
        float[] x = gaussian(random, batch * cols, 1f);
        // A block of zeros: its scale is 0, and so are its products.
        Arrays.fill(x, 0, 32, 0f);
        byte[] bytes = ScalarQuant.encode(type, w, rows, cols);
        Weights weights = layout.of(ScalarQuant.tensor(type, w, rows, cols));
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
                    int[] q = new int[32];
                    for (int i = 0; i < 32; i++) {
                        q[i] = (int) Math.rint(x[b * cols + k + i] * inverse);
                        bound += Math.abs(ScalarQuant.decode(type, bytes, cols, r, k + i)) * (max / 127) / 2;
                    }
                    double term = (max / 127) * switch (type) {
                        case Q4_0 -> q4_0Block(bytes, cols, r, k, q);
                        case Q4_K -> q4_KBlock(bytes, cols, r, k, q);
                        case Q6_K -> decodedBlock(type, bytes, cols, r, k, q);
                        default -> q8_0Block(bytes, cols, r, k, q);
                    };
                    sum += term;
                    magnitude += Math.abs(term);
                }
                float got = out[b * rows + r];
                assertEquals(sum, got, 1e-5 * magnitude + 1e-6, "batch " + b + " row " + r + " (integer reference)");
                double exact = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) ScalarQuant.decode(type, bytes, cols, r, c) * x[b * cols + c];
                }
                assertEquals(exact, got, bound * 1.0001 + 1e-5 * magnitude + 1e-6,
                        "batch " + b + " row " + r + " (float reference)");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, 2, 96, 9", "Q4_0, 3, 2048, 70", "Q4_0_WIDE, 2, 96, 9", "Q4_0_WIDE, 2, 2048, 70",
            "Q4_K, 2, 256, 9", "Q4_K, 3, 2048, 70", "Q6_K, 2, 256, 9", "Q6_K, 3, 2048, 70", "Q8_0, 2, 96, 9",
            "Q8_0, 3, 2048, 70"})
    void promptBatchesEqualTheInPlaceKernelBitForBit(Layout layout, int groups, int cols, int batch) {
        int rows = groups * layout.groupRows;
        Random random = new Random(cols + batch);
        Tensor t = ScalarQuant.tensor(layout.type, gaussian(random, rows * cols, 0.5f), rows, cols);
        float[] x = gaussian(random, batch * cols, 1f);
        float[] inPlace = new float[batch * rows];
        float[] interleaved = new float[batch * rows];

        MatMul.matmul(pool, WeightsFactory.of(t), x, inPlace, batch);
        MatMul.matmul(pool, layout.of(t), x, interleaved, batch);

        assertArrayEquals(inPlace, interleaved);
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, 96", "Q4_0_WIDE, 96", "Q4_K, 512", "Q6_K, 512", "Q8_0, 96", "F16, 96", "BF16, 96"})
    void rowsAndGroupsDecodeAsTheFileLayoutDoes(Layout layout, int cols) {
        int groupRows = layout.groupRows;
        int rows = 2 * groupRows;
        Tensor t = ScalarQuant.tensor(layout.type, gaussian(new Random(5), rows * cols, 0.5f), rows, cols);
        Weights inPlace = WeightsFactory.of(t);
        InterleavedWeights<?> interleaved = layout.of(t);
        assertEquals(groupRows, interleaved.rowGroup());
        // The last rows decoded at once: the last group, or the last part of it.
        int decoded = interleaved.decodedRows();
        assertEquals(layout == Layout.Q4_0_WIDE ? ROWS : groupRows, decoded);
        int first = rows - decoded;
        float[] group = new float[decoded * cols];
        interleaved.decodeGroup(first, group);
        for (int r = 0; r < rows; r++) {
            float[] expected = new float[cols];
            float[] got = new float[cols];
            inPlace.row(r, expected, 0);
            interleaved.row(r, got, 0);
            assertArrayEquals(expected, got, "row " + r);
            if (r >= first) {
                for (int k = 0; k < cols; k++) {
                    assertEquals(expected[k], group[k * decoded + r - first], "decoded row " + r + " column " + k);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"Q4_0, 64", "Q4_0_WIDE, 64", "Q4_K, 256", "Q6_K, 256", "Q8_0, 64", "F16, 64", "BF16, 64"})
    void anyRowRangeGivesThatRangesProducts(Layout layout, int cols) {
        int groupRows = layout.groupRows;
        int rows = 3 * groupRows;
        Random random = new Random(11);
        Weights w = layout.of(ScalarQuant.tensor(layout.type, gaussian(random, rows * cols, 0.5f), rows, cols));
        for (int batch : new int[]{1, 3, 8}) {
            float[] x = gaussian(random, batch * cols, 1f);
            float[] all = new float[batch * rows];
            w.matmul(x, all, batch, 0, rows);
            float[] part = new float[batch * rows];
            int from = groupRows / 2 + 1;
            int to = 2 * groupRows + 3;
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
    void onlyQ4_0Q4_KQ6_KAndQ8_0InWholeGroupsAreCopied() {
        Random random = new Random(3);
        Tensor whole = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, ROWS * 64, 0.5f), ROWS, 64);
        Tensor k = ScalarQuant.tensor(GgmlType.Q4_K, gaussian(random, GROUP * 256, 0.5f), GROUP, 256);
        assertEquals(k.byteSize() * 148 / 144, WeightsFactory.resident(k).copiedBytes(), "scales and mins unpacked");
        Weights q6 = WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q6_K, gaussian(random, GROUP * 256, 0.5f),
                GROUP, 256));
        Class<?> q6Class = InterleavedQ6_KWeights.FASTER ? InterleavedQ6_KWeights.class : Q6_KWeights.class;
        assertInstanceOf(q6Class, q6, "Q6_K copied only where its kernel is faster");
        assertInstanceOf(Q5_KWeights.class, WeightsFactory.resident(
                ScalarQuant.tensor(GgmlType.Q5_K, gaussian(random, GROUP * 256, 0.5f), GROUP, 256)));
        Tensor partial = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, (ROWS + 1) * 64, 0.5f), ROWS + 1, 64);
        Tensor q8 = ScalarQuant.tensor(GgmlType.Q8_0, gaussian(random, GROUP * 64, 0.5f), GROUP, 64);
        assertEquals(whole.byteSize(), WeightsFactory.resident(whole).copiedBytes());
        assertInstanceOf(Q4_0Weights.class, WeightsFactory.resident(partial));
        assertEquals(0, WeightsFactory.resident(partial).copiedBytes());
        assertEquals(InterleavedQ8_0Weights.FASTER ? q8.byteSize() : 0, WeightsFactory.resident(q8).copiedBytes(),
                "Q8_0 copied only where its kernel is faster");
    }

    /**
     * An engine of one activation row takes Q4_0 in wide groups where they are faster and whole, the same bytes; else
     * what {@link WeightsFactory#resident} takes, which never picks them.
     */
    @Test
    void oneRowEnginesTakeWideQ4_0GroupsWhereWhole() {
        Random random = new Random(7);
        int wide = InterleavedWideQ4_0Weights.WIDE_ROWS;
        Tensor whole = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, wide * 64, 0.5f), wide, 64);
        Tensor narrow = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, (wide + ROWS) * 64, 0.5f), wide + ROWS, 64);
        Tensor k = ScalarQuant.tensor(GgmlType.Q4_K, gaussian(random, wide * 256, 0.5f), wide, 256);

        Weights oneRow = WeightsFactory.residentForOneRow(whole);

        Class<?> expected = InterleavedWideQ4_0Weights.FASTER ? InterleavedWideQ4_0Weights.class
                : InterleavedQ4_0Weights.class;
        assertEquals(expected, oneRow.getClass(), "wide groups where 512-bit vectors make them faster");
        assertEquals(whole.byteSize(), oneRow.copiedBytes());
        assertEquals(InterleavedQ4_0Weights.class, WeightsFactory.residentForOneRow(narrow).getClass(),
                "a partial wide group");
        assertEquals(InterleavedQ4_0Weights.class, WeightsFactory.resident(whole).getClass());
        assertEquals(InterleavedQ4_KWeights.class, WeightsFactory.residentForOneRow(k).getClass());
    }

    /** What a product reads: the interleaved copy for copied weights, not the file's bytes; those for the rest. */
    @Test
    void storageIsTheMemoryProductsRead() {
        Random random = new Random(5);
        Tensor whole = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, ROWS * 64, 0.5f), ROWS, 64);
        Tensor partial = ScalarQuant.tensor(GgmlType.Q4_0, gaussian(random, (ROWS + 1) * 64, 0.5f), ROWS + 1, 64);
        Weights copied = WeightsFactory.resident(whole);
        Weights inPlace = WeightsFactory.resident(partial);
        assertEquals(copied.copiedBytes(), copied.storage().byteSize());
        assertNotEquals(-1, copied.storage().mismatch(whole.data()), "the groups' rows are interleaved");
        assertEquals(-1, inPlace.storage().mismatch(partial.data()), "read in place");
        assertTrue(copied.storage().isReadOnly() && inPlace.storage().isReadOnly());
    }

    /**
     * The largest products a Q8_0 pair can give, -128 weights (which a file may hold though ggml writes -127..127)
     * times -127 activation quants, sum exactly, in the one-row and the four-row product: two of them are the most
     * 16 bits hold. Odd rows have twice the even rows' scale, so rows out of place would show.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void q8_0ExtremesSumExactly(int batch) {
        int rows = GROUP;
        int cols = 64;
        byte[] bytes = new byte[rows * cols / 32 * 34];
        for (int block = 0; block < rows * cols / 32; block++) {
            bytes[block * 34 + 1] = (byte) (block / (cols / 32) % 2 == 0 ? 0x3c : 0x40); // fp16 1.0 or 2.0
            Arrays.fill(bytes, block * 34 + 2, block * 34 + 34, (byte) (block % 2 == 0 ? -128 : 127));
        }
        MemorySegment data = Arena.ofAuto().allocate(bytes.length);
        data.copyFrom(MemorySegment.ofArray(bytes));
        float[] x = new float[batch * cols];
        Arrays.fill(x, -1f);
        float[] out = new float[batch * rows];

        MatMul.matmul(pool, new InterleavedQ8_0Weights(new Tensor("extremes", GgmlType.Q8_0, new long[]{cols, rows}, data)),
                x, out, batch);

        for (int i = 0; i < batch * rows; i++) {
            assertEquals((32 * 128 - 32 * 127) * (i % 2 + 1), out[i], 1e-3, "entry " + i);
        }
    }

    /**
     * A mapped tensor multiplies as the same bytes on the heap do, copied into the interleaved layout (whole groups;
     * the file's pages are then let go) or in place. In place it is read through a plain view of the mapping (see
     * {@link TensorWeights#plain}): the same memory and lifetime (reading it once the mapping's arena is closed fails
     * rather than touching unmapped memory), another segment class.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aMappedTensorIsCopiedOrReadThroughAPlainView(boolean wholeGroups, @TempDir Path dir) throws IOException {
        int rows = wholeGroups ? 2 * ROWS : ROWS + 1;
        int cols = 128;
        Random random = new Random(21);
        float[] values = gaussian(random, rows * cols, 0.5f);
        Path file = dir.resolve("q4_0.bin");
        Files.write(file, ScalarQuant.encode(GgmlType.Q4_0, values, rows, cols));
        float[] x = gaussian(random, cols, 1f);
        float[] expected = new float[rows];
        MatMul.matmul(pool, WeightsFactory.resident(ScalarQuant.tensor(GgmlType.Q4_0, values, rows, cols)), x, expected, 1);
        Weights w;
        // Confined for the copy, made on this thread alone; the pool's threads read the weights in place.
        try (Arena arena = wholeGroups ? Arena.ofConfined() : Arena.ofShared();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            w = WeightsFactory.resident(new Tensor("mapped", GgmlType.Q4_0, new long[]{cols, rows}, mapped));
            float[] got = new float[rows];
            MatMul.matmul(pool, w, x, got, 1);
            assertArrayEquals(expected, got);
            MemorySegment read = w.storage();
            assertFalse(read.isMapped());
            assertEquals(wholeGroups, read.address() != mapped.address(), "the copy, or the mapping's own memory");
            assertEquals(wholeGroups, read.mismatch(mapped) != -1);
        }
        if (!wholeGroups) {
            assertThrows(IllegalStateException.class, () -> w.storage().get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    /** Each interleaved layout, built whether or not {@link WeightsFactory} would pick it here. */
    enum Layout {
        Q4_0(GgmlType.Q4_0, ROWS), Q4_0_WIDE(GgmlType.Q4_0, InterleavedWideQ4_0Weights.WIDE_ROWS),
        Q4_K(GgmlType.Q4_K, GROUP), Q6_K(GgmlType.Q6_K, GROUP), Q8_0(GgmlType.Q8_0, GROUP), F16(GgmlType.F16, GROUP),
        BF16(GgmlType.BF16, GROUP);

        final GgmlType type;
        /** Rows per group. */
        final int groupRows;

        Layout(GgmlType type, int groupRows) {
            this.type = type;
            this.groupRows = groupRows;
        }

        InterleavedWeights<?> of(Tensor t) {
            return switch (this) {
                case Q4_0 -> new InterleavedQ4_0Weights(t);
                case Q4_0_WIDE -> new InterleavedWideQ4_0Weights(t);
                case Q4_K -> new InterleavedQ4_KWeights(t);
                case Q6_K -> new InterleavedQ6_KWeights(t);
                case Q8_0 -> new InterleavedQ8_0Weights(t);
                case F16 -> new InterleavedF16Weights(t);
                case BF16 -> new InterleavedBF16Weights(t);
            };
        }
    }

    /** Row {@code r}'s Q4_0 block at column {@code k} times the activation quants {@code q}: d * sum (n - 8) q. */
    private static double q4_0Block(byte[] bytes, int cols, int r, int k, int[] q) {
        int at = (r * (cols / 32) + k / 32) * 18;
        long sum = 0;
        for (int i = 0; i < 32; i++) {
            int packed = bytes[at + 2 + i % 16] & 0xff;
            sum += (long) ((i < 16 ? packed & 0x0f : packed >>> 4) - 8) * q[i];
        }
        return (double) half(bytes, at) * sum;
    }

    /**
     * Row {@code r}'s block of 32 at column {@code k} times the activation quants {@code q}, from the scalar decoder's
     * values (Q6_K: d * scale * (q - 32), a scale per 16, each product exact in a double).
     */
    private static double decodedBlock(GgmlType type, byte[] bytes, int cols, int r, int k, int[] q) {
        double sum = 0;
        for (int i = 0; i < 32; i++) {
            sum += (double) ScalarQuant.decode(type, bytes, cols, r, k + i) * q[i];
        }
        return sum;
    }

    /** Row {@code r}'s Q8_0 block at column {@code k} times the activation quants {@code q}: d * sum n q. */
    private static double q8_0Block(byte[] bytes, int cols, int r, int k, int[] q) {
        int at = (r * (cols / 32) + k / 32) * 34;
        long sum = 0;
        for (int i = 0; i < 32; i++) {
            sum += (long) bytes[at + 2 + i] * q[i];
        }
        return (double) half(bytes, at) * sum;
    }

    /**
     * Row {@code r}'s Q4_K sub-block at column {@code k} times the activation quants {@code q}:
     * d * scale * sum n q - dmin * min * sum q, the scale and min unpacked as ggml's get_scale_min_k4 does.
     */
    private static double q4_KBlock(byte[] bytes, int cols, int r, int k, int[] q) {
        int at = (r * (cols / 256) + k / 256) * 144;
        int j = k % 256 / 32;
        int[] s = new int[12];
        for (int i = 0; i < 12; i++) {
            s[i] = bytes[at + 4 + i] & 0xff;
        }
        int scale = j < 4 ? s[j] & 63 : (s[j + 4] & 0x0f) | (s[j - 4] >> 6) << 4;
        int min = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | (s[j] >> 6) << 4;
        long products = 0;
        long sum = 0;
        for (int i = 0; i < 32; i++) {
            int packed = bytes[at + 16 + j / 2 * 32 + i] & 0xff;
            products += (long) (j % 2 == 0 ? packed & 0x0f : packed >>> 4) * q[i];
            sum += q[i];
        }
        return (double) half(bytes, at) * scale * products - (double) half(bytes, at + 2) * min * sum;
    }

    private static float half(byte[] bytes, int at) {
        return Float.float16ToFloat((short) ((bytes[at] & 0xff) | (bytes[at + 1] << 8)));
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * scale;
        }
        return a;
    }
}
