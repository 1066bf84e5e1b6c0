package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.QuantBlocks.BLOCK;
import static dev.specula.runtime.kernel.QuantBlocks.HALF;
import static dev.specula.runtime.kernel.Species.FLOATS;
import static dev.specula.runtime.kernel.Species.INTS;
import static dev.specula.runtime.kernel.Species.LANES;

import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 copied at load time into groups of {@link #GROUP} rows whose blocks are interleaved, so that vector lane
 * {@code i} always holds row {@code i} of the group: for each block column, the group's fp16 scales (one per
 * row), then 16 times the group's byte {@code t} of that block (low nibble value {@code t}, high nibble value
 * {@code t + 16}). The same 18 bytes per block as the file's layout.
 *
 * <p>Why: the products run on 16-bit integers. The activations are quantized to 8 bits per block of 32
 * ({@link Int8Activations}); a nibble times an 8-bit quant fits 11 bits, and a block's 32 products, recentred
 * by the activations' {@code 8 * sum}, fit 16 (the unsigned nibbles' sum may wrap on the way; the recentred one
 * is exact modulo 2^16 and in range, so it is exact), so a block costs per 32 rows one load, a mask, a shift, and a
 * multiply and an add per value, and the block's scales are applied once per row in float. There is no sum
 * across lanes at all: each lane is a row. With the file's layout every block would need one, which is why
 * the in-place kernels ({@link Q4_0Weights}) widen every nibble to a float instead. All of tinyllama-1.1b's
 * products for one token (Zen 5, AVX-512, 590 MB of Q4_0): one thread 29.7 against 45.5 ms in place, now at the
 * core's share of memory bandwidth rather than its arithmetic; two threads 17-19.5 against 25-26 ms.
 * The cost is accuracy: the 8-bit activations differ from the float ones by up to
 * half a quantization step, as in llama.cpp, whose CPU kernels quantize activations the same way.
 */
final class InterleavedQ4_0Weights implements GroupDecoding {

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Short> GROUP_SHORTS = VectorSpecies.of(short.class, FLOATS.vectorShape());
    /** Rows per group: the 16-bit lanes of a full-width vector (32 with AVX-512, 16 with AVX2). */
    static final int GROUP = GROUP_SHORTS.length();
    private static final VectorSpecies<Byte> GROUP_BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(GROUP * Byte.SIZE));
    private static final int BLOCK_BYTES = 2 + HALF;
    private static final int SCALES_BYTES = GROUP * Short.BYTES;
    /** The float whose bits are an fp16's shifted into place is the fp16's value times 2^-112. */
    private static final float HALF_EXPONENT_BIAS = 0x1p112f;
    private static final ThreadScratch UNALIGNED = new ThreadScratch();

    private final Tensor tensor;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int blocks;
    /** Bytes per block column of a group, and per group. */
    private final long columnBytes;
    private final long groupBytes;

    /** Copies {@code tensor} (Q4_0, rows a multiple of {@link #GROUP}) into the interleaved layout. */
    InterleavedQ4_0Weights(Tensor tensor) {
        this.tensor = tensor;
        this.rows = tensor.rows();
        this.cols = tensor.cols();
        if (rows % GROUP != 0) {
            throw new IllegalArgumentException(tensor + ": rows must be a multiple of " + GROUP);
        }
        this.blocks = cols / BLOCK;
        this.columnBytes = (long) GROUP * BLOCK_BYTES;
        this.groupBytes = blocks * columnBytes;
        this.data = Arena.ofAuto().allocate(tensor.byteSize(), 64);
        interleave(tensor.data(), tensor.rowBytes());
        if (tensor.data().isMapped()) {
            // The file's pages were read once to copy them; they need not stay resident.
            tensor.data().unload();
        }
    }

    private void interleave(MemorySegment source, long rowBytes) {
        for (int r = 0; r < rows; r++) {
            long group = (long) (r / GROUP) * groupBytes;
            int lane = r % GROUP;
            for (int b = 0; b < blocks; b++) {
                long from = r * rowBytes + (long) b * BLOCK_BYTES;
                long to = group + b * columnBytes;
                data.set(ValueLayout.JAVA_SHORT_UNALIGNED, to + (long) lane * Short.BYTES,
                        source.get(ValueLayout.JAVA_SHORT_UNALIGNED, from));
                for (int t = 0; t < HALF; t++) {
                    data.set(ValueLayout.JAVA_BYTE, to + SCALES_BYTES + (long) t * GROUP + lane,
                            source.get(ValueLayout.JAVA_BYTE, from + 2 + t));
                }
            }
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public Tensor tensor() {
        return tensor;
    }

    @Override
    public long copiedBytes() {
        return data.byteSize();
    }

    @Override
    public int rowGroup() {
        return GROUP;
    }

    @Override
    public void matmul(float[] x, float[] out, int batch, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        Objects.checkFromIndexSize(0, (long) batch * cols, x.length);
        Objects.checkFromIndexSize(0, (long) batch * rows, out.length);
        if (batch > RowMajorWeights.REGISTER_BATCH) {
            matmul(BatchActivations.ofThisThread(x, cols, batch), out, rowFrom, rowTo);
            return;
        }
        Int8Activations a = Int8Activations.forRows(batch, cols);
        for (int b = 0; b < batch; b++) {
            a.quantize(x, b * cols, b);
        }
        int first = rowFrom / GROUP * GROUP;
        for (int g = first; g < rowTo; g += GROUP) {
            if (g >= rowFrom && g + GROUP <= rowTo) {
                groupProducts(a, batch, g, out, rows, g);
                continue;
            }
            // A range that splits a group: products of the whole group, then only the rows asked for.
            float[] scratch = UNALIGNED.atLeast(batch * GROUP);
            groupProducts(a, batch, g, scratch, GROUP, 0);
            for (int b = 0; b < batch; b++) {
                for (int r = Math.max(g, rowFrom); r < Math.min(g + GROUP, rowTo); r++) {
                    out[b * rows + r] = scratch[b * GROUP + r - g];
                }
            }
        }
    }

    /** Products of group {@code g}'s rows with each activation row {@code b}, to {@code out[o + b * stride ..]}. */
    private void groupProducts(Int8Activations a, int batch, int g, float[] out, int stride, int o) {
        long at = (long) (g / GROUP) * groupBytes;
        if (batch == 1) {
            dot(at, a.quants(), a.quantRow(0), a.scales(), a.biases(), a.blockRow(0), out, o);
            return;
        }
        // Fewer than four rows repeat the last one, as RowMajorWeights does.
        int b1 = Math.min(1, batch - 1);
        int b2 = Math.min(2, batch - 1);
        int b3 = Math.min(3, batch - 1);
        dot4(at, a, b1, b2, b3, out, o, o + b1 * stride, o + b2 * stride, o + b3 * stride);
    }

    /**
     * The group at byte {@code at} against one quantized activation row ({@code q[qo ..]}, its scales and
     * biases at {@code s[so ..]}, {@code bias[so ..]}), to {@code out[o .. o + GROUP)}.
     */
    private void dot(long at, short[] q, int qo, float[] s, short[] bias, int so, float[] out, int o) {
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++, at += columnBytes) {
            ShortVector sum = ShortVector.zero(GROUP_SHORTS);
            int k = qo + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data,
                        at + SCALES_BYTES + (long) t * GROUP, ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                sum = sum.add(v.and((short) 0x0f).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t])));
                sum = sum.add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.broadcast(GROUP_SHORTS, q[k + t + HALF])));
            }
            sum = sum.sub(ShortVector.broadcast(GROUP_SHORTS, bias[so + b]));
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            float scale = s[so + b];
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            FloatVector p = (FloatVector) sum.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0);
            acc0 = p.fma(d, acc0);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(HALF_EXPONENT_BIAS).mul(scale);
            p = (FloatVector) sum.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0);
            acc1 = p.fma(d, acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + LANES);
    }

    /** As {@link #dot}, against activation rows 0, {@code b1}, {@code b2}, {@code b3}, to {@code out[o0 ..]}, ... */
    private void dot4(long at, Int8Activations a, int b1, int b2, int b3, float[] out, int o0, int o1, int o2, int o3) {
        short[] q = a.quants();
        float[] s = a.scales();
        short[] bias = a.biases();
        int q0 = a.quantRow(0);
        int q1 = a.quantRow(b1);
        int q2 = a.quantRow(b2);
        int q3 = a.quantRow(b3);
        int s0 = a.blockRow(0);
        int s1 = a.blockRow(b1);
        int s2 = a.blockRow(b2);
        int s3 = a.blockRow(b3);
        FloatVector acc00 = FloatVector.zero(FLOATS);
        FloatVector acc01 = FloatVector.zero(FLOATS);
        FloatVector acc10 = FloatVector.zero(FLOATS);
        FloatVector acc11 = FloatVector.zero(FLOATS);
        FloatVector acc20 = FloatVector.zero(FLOATS);
        FloatVector acc21 = FloatVector.zero(FLOATS);
        FloatVector acc30 = FloatVector.zero(FLOATS);
        FloatVector acc31 = FloatVector.zero(FLOATS);
        for (int b = 0; b < blocks; b++, at += columnBytes) {
            ShortVector sum0 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum1 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum2 = ShortVector.zero(GROUP_SHORTS);
            ShortVector sum3 = ShortVector.zero(GROUP_SHORTS);
            int k = b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data,
                        at + SCALES_BYTES + (long) t * GROUP, ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector lo = v.and((short) 0x0f);
                ShortVector hi = v.lanewise(VectorOperators.LSHR, 4);
                int kt = k + t;
                sum0 = sum0.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q0 + kt + HALF])));
                sum1 = sum1.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q1 + kt + HALF])));
                sum2 = sum2.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q2 + kt + HALF])));
                sum3 = sum3.add(lo.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt])))
                        .add(hi.mul(ShortVector.broadcast(GROUP_SHORTS, q[q3 + kt + HALF])));
            }
            sum0 = sum0.sub(ShortVector.broadcast(GROUP_SHORTS, bias[s0 + b]));
            sum1 = sum1.sub(ShortVector.broadcast(GROUP_SHORTS, bias[s1 + b]));
            sum2 = sum2.sub(ShortVector.broadcast(GROUP_SHORTS, bias[s2 + b]));
            sum3 = sum3.sub(ShortVector.broadcast(GROUP_SHORTS, bias[s3 + b]));
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            acc00 = ((FloatVector) sum0.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s0 + b]), acc00);
            acc10 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s1 + b]), acc10);
            acc20 = ((FloatVector) sum2.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s2 + b]), acc20);
            acc30 = ((FloatVector) sum3.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s3 + b]), acc30);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            d = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            acc01 = ((FloatVector) sum0.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s0 + b]), acc01);
            acc11 = ((FloatVector) sum1.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s1 + b]), acc11);
            acc21 = ((FloatVector) sum2.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s2 + b]), acc21);
            acc31 = ((FloatVector) sum3.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).fma(d.mul(s[s3 + b]), acc31);
        }
        acc00.intoArray(out, o0);
        acc01.intoArray(out, o0 + LANES);
        acc10.intoArray(out, o1);
        acc11.intoArray(out, o1 + LANES);
        acc20.intoArray(out, o2);
        acc21.intoArray(out, o2 + LANES);
        acc30.intoArray(out, o3);
        acc31.intoArray(out, o3 + LANES);
    }

    @Override
    public void matmul(BatchActivations x, float[] out, int rowFrom, int rowTo) {
        Objects.checkFromToIndex(rowFrom, rowTo, rows);
        if (x.cols() != cols) {
            throw new IllegalArgumentException("activations of " + x.cols() + " columns for a matrix of " + cols);
        }
        Objects.checkFromIndexSize(0, (long) x.batch() * rows, out.length);
        BatchKernel.matmul((GroupDecoding) this, x, out, rowFrom, rowTo);
    }

    @Override
    public void decodeGroup(int firstRow, float[] dst) {
        Objects.checkIndex(firstRow / GROUP, rows / GROUP);
        Objects.checkFromIndexSize(0, (long) GROUP * cols, dst.length);
        long at = (long) (firstRow / GROUP) * groupBytes;
        ShortVector bias = ShortVector.broadcast(GROUP_SHORTS, (short) 8);
        for (int b = 0; b < blocks; b++, at += columnBytes) {
            ShortVector halves = ShortVector.fromMemorySegment(GROUP_SHORTS, data, at, ORDER);
            IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector d0 = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            h = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 1);
            FloatVector d1 = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretAsFloats().mul(HALF_EXPONENT_BIAS);
            for (int t = 0; t < HALF; t++) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(GROUP_BYTES, data,
                        at + SCALES_BYTES + (long) t * GROUP, ORDER).convertShape(VectorOperators.ZERO_EXTEND_B2S, GROUP_SHORTS, 0);
                ShortVector lo = v.and((short) 0x0f).sub(bias);
                ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).sub(bias);
                int k = (b * BLOCK + t) * GROUP;
                ((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                ((FloatVector) lo.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
                k += HALF * GROUP;
                ((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(dst, k);
                ((FloatVector) hi.convertShape(VectorOperators.S2I, INTS, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(dst, k + LANES);
            }
        }
    }

    @Override
    public void row(int r, float[] dst, int offset) {
        Objects.checkIndex(r, rows);
        Objects.checkFromIndexSize(offset, cols, dst.length);
        long group = (long) (r / GROUP) * groupBytes;
        int lane = r % GROUP;
        for (int b = 0; b < blocks; b++) {
            long at = group + b * columnBytes;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (long) lane * Short.BYTES));
            int k = offset + b * BLOCK;
            for (int t = 0; t < HALF; t++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, at + SCALES_BYTES + (long) t * GROUP + lane) & 0xff;
                dst[k + t] = d * ((packed & 0x0f) - 8);
                dst[k + t + HALF] = d * ((packed >>> 4) - 8);
            }
        }
    }
}
