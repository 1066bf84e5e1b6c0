package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.RowEncoder;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Independent scalar encoders for the weight types, following llama.cpp's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, {@code quantize_row_q5_0_ref}), and the matching scalar decoders
 * the kernel tests compare against. The k-quants and IQ4 are encoded by the runtime's {@link RowEncoder} and decoded
 * here one value at a time, as llama.cpp's {@code dequantize_row_q2_K}/{@code _q3_K}/{@code _q4_K}/{@code _q5_K}/{@code _q6_K}/{@code _iq4_nl}/{@code _iq4_xs} do.
 */
final class ScalarQuant {

    static final int BLOCK = 32;
    /** llama.cpp's {@code kvalues_iq4nl}. */
    private static final int[] IQ4_VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private ScalarQuant() {
    }

    /** A {@code rows x cols} tensor of {@code type} holding {@code values} (row-major), on the heap. */
    static Tensor tensor(GgmlType type, float[] values, int rows, int cols) {
        byte[] bytes = encode(type, values, rows, cols);
        return new Tensor("w", type, new long[]{cols, rows}, MemorySegment.ofArray(bytes));
    }

    static byte[] encode(GgmlType type, float[] values, int rows, int cols) {
        if (type.blockSize() == 256 || type == GgmlType.IQ4_NL) {
            byte[] bytes = new byte[(int) (rows * type.bytesFor(cols))];
            RowEncoder.encode(type, values, 0, rows * cols, MemorySegment.ofArray(bytes), 0);
            return bytes;
        }
        ByteBuffer out = ByteBuffer.allocate((int) (rows * type.bytesFor(cols))).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c += type.blockSize() == BLOCK ? BLOCK : cols) {
                int at = r * cols + c;
                switch (type) {
                    case F32 -> { for (int i = 0; i < cols; i++) out.putFloat(values[at + i]); }
                    case F16 -> { for (int i = 0; i < cols; i++) out.putShort(Float.floatToFloat16(values[at + i])); }
                    case BF16 -> { for (int i = 0; i < cols; i++) out.putShort((short) (Float.floatToRawIntBits(values[at + i]) >>> 16)); }
                    case Q8_0 -> q8Block(values, at, out);
                    case Q4_0 -> q4Block(values, at, out);
                    case Q5_0 -> q5Block(values, at, out);
                    case Q4_1 -> offsetBlock(values, at, 15, out);
                    case Q5_1 -> offsetBlock(values, at, 31, out);
                    default -> throw new IllegalArgumentException(type.toString());
                }
            }
        }
        return out.array();
    }

    private static void q8Block(float[] x, int at, ByteBuffer out) {
        float amax = 0;
        for (int i = 0; i < BLOCK; i++) {
            amax = Math.max(amax, Math.abs(x[at + i]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK; i++) {
            out.put((byte) Math.round(x[at + i] * id));
        }
    }

    private static void q4Block(float[] x, int at, ByteBuffer out) {
        float max = extreme(x, at);
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(15, (int) (x[at + i] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + i + BLOCK / 2] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
        }
    }

    private static void q5Block(float[] x, int at, ByteBuffer out) {
        float max = extreme(x, at);
        float d = max / -16;
        float id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        int qh = 0;
        byte[] qs = new byte[BLOCK / 2];
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(31, (int) (x[at + i] * id + 16.5f));
            int hi = Math.min(31, (int) (x[at + i + BLOCK / 2] * id + 16.5f));
            qs[i] = (byte) ((lo & 0x0f) | (hi & 0x0f) << 4);
            qh |= ((lo & 0x10) >> 4) << i;
            qh |= ((hi & 0x10) >> 4) << (i + BLOCK / 2);
        }
        out.putInt(qh);
        out.put(qs);
    }

    /** The value of largest magnitude in the block at {@code x[at ..]}, with its sign. */
    private static float extreme(float[] x, int at) {
        float amax = 0;
        float max = 0;
        for (int i = 0; i < BLOCK; i++) {
            if (Math.abs(x[at + i]) > amax) {
                amax = Math.abs(x[at + i]);
                max = x[at + i];
            }
        }
        return max;
    }

    /** Q4_1 ({@code levels} 15) and Q5_1 (31): equal steps from the block's lowest to its highest value. */
    private static void offsetBlock(float[] x, int at, int levels, ByteBuffer out) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < BLOCK; i++) {
            min = Math.min(min, x[at + i]);
            max = Math.max(max, x[at + i]);
        }
        float d = (max - min) / levels;
        float id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        out.putShort(Float.floatToFloat16(min));
        int qh = 0;
        byte[] qs = new byte[BLOCK / 2];
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(levels, (int) ((x[at + i] - min) * id + 0.5f));
            int hi = Math.min(levels, (int) ((x[at + i + BLOCK / 2] - min) * id + 0.5f));
            qs[i] = (byte) ((lo & 0x0f) | (hi & 0x0f) << 4);
            qh |= ((lo & 0x10) >> 4) << i;
            qh |= ((hi & 0x10) >> 4) << (i + BLOCK / 2);
        }
        if (levels == 31) {
            out.putInt(qh);
        }
        out.put(qs);
    }

    /** Element {@code (r, c)} of an encoded tensor, decoded one value at a time. */
    static float decode(GgmlType type, byte[] bytes, int cols, int r, int c) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long row = r * type.bytesFor(cols);
        return switch (type) {
            case F32 -> in.getFloat((int) (row + 4L * c));
            case F16 -> Float.float16ToFloat(in.getShort((int) (row + 2L * c)));
            case BF16 -> Float.intBitsToFloat(in.getShort((int) (row + 2L * c)) << 16);
            case Q8_0 -> {
                int block = (int) (row + (c / BLOCK) * 34L);
                yield Float.float16ToFloat(in.getShort(block)) * in.get(block + 2 + c % BLOCK);
            }
            case Q4_0 -> {
                int block = (int) (row + (c / BLOCK) * 18L);
                int j = c % BLOCK;
                int packed = in.get(block + 2 + j % 16) & 0xff;
                int q = j < 16 ? packed & 0x0f : packed >>> 4;
                yield Float.float16ToFloat(in.getShort(block)) * (q - 8);
            }
            case Q5_0 -> {
                int block = (int) (row + (c / BLOCK) * 22L);
                int j = c % BLOCK;
                int packed = in.get(block + 6 + j % 16) & 0xff;
                int q = (j < 16 ? packed & 0x0f : packed >>> 4) | (in.getInt(block + 2) >>> j & 1) << 4;
                yield Float.float16ToFloat(in.getShort(block)) * (q - 16);
            }
            case Q4_1, Q5_1 -> {
                boolean five = type == GgmlType.Q5_1;
                int block = (int) (row + (c / BLOCK) * (five ? 24L : 20L));
                int j = c % BLOCK;
                int packed = in.get(block + (five ? 8 : 4) + j % 16) & 0xff;
                int q = j < 16 ? packed & 0x0f : packed >>> 4;
                if (five) {
                    q |= (in.getInt(block + 4) >>> j & 1) << 4;
                }
                float d = Float.float16ToFloat(in.getShort(block));
                yield d * q + Float.float16ToFloat(in.getShort(block + 2));
            }
            case IQ4_NL -> {
                int block = (int) (row + (c / BLOCK) * 18L);
                int j = c % BLOCK;
                int packed = in.get(block + 2 + j % 16) & 0xff;
                yield Float.float16ToFloat(in.getShort(block)) * IQ4_VALUES[j < 16 ? packed & 0x0f : packed >>> 4];
            }
            case IQ4_XS -> {
                int block = (int) (row + (c / 256) * 136L);
                int ib = c % 256 / 32;
                int j = c % 32;
                int low = (in.get(block + 4 + ib / 2) & 0xff) >>> 4 * (ib % 2) & 0x0f;
                int high = (in.getShort(block + 2) & 0xffff) >>> 2 * ib & 3;
                float dl = Float.float16ToFloat(in.getShort(block)) * ((low | high << 4) - 32);
                int packed = in.get(block + 8 + 16 * ib + j % 16) & 0xff;
                yield dl * IQ4_VALUES[j < 16 ? packed & 0x0f : packed >>> 4];
            }
            case Q2_K -> {
                int block = (int) (row + (c / 256) * 84L);
                int i = c % 256;
                int n = i / 128;
                int j = i % 128 / 32;
                int g = 8 * n + 2 * j + i % 32 / 16;
                int sc = in.get(block + g) & 0xff;
                int q = (in.get(block + 16 + 32 * n + i % 32) & 0xff) >>> 2 * j & 3;
                float dl = Float.float16ToFloat(in.getShort(block + 80)) * (sc & 0x0f);
                float ml = Float.float16ToFloat(in.getShort(block + 82)) * (sc >>> 4);
                yield dl * q - ml;
            }
            case Q3_K -> q3k(in, (int) (row + (c / 256) * 110L), c % 256);
            case Q4_K -> q4k(in, (int) (row + (c / 256) * 144L), c % 256, 16, -1);
            case Q5_K -> q4k(in, (int) (row + (c / 256) * 176L), c % 256, 48, 16);
            case Q6_K -> q6k(in, (int) (row + (c / 256) * 210L), c % 256);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /**
     * Value {@code i} of the Q4_K (or Q5_K) super-block at byte {@code block}, with its nibbles at {@code quants}
     * and Q5_K's fifth bits at {@code fifthBits} (negative for Q4_K).
     */
    private static float q4k(ByteBuffer in, int block, int i, int quants, int fifthBits) {
        int run = i / 64;
        boolean high = i % 64 >= 32;
        int j = 2 * run + (high ? 1 : 0);
        int packed = in.get(block + quants + 32 * run + i % 32) & 0xff;
        int q = high ? packed >>> 4 : packed & 0x0f;
        if (fifthBits >= 0) {
            q |= ((in.get(block + fifthBits + i % 32) & 0xff) >>> j & 1) << 4;
        }
        int scales = block + 4;
        int sc;
        int m;
        if (j < 4) {
            sc = in.get(scales + j) & 63;
            m = in.get(scales + j + 4) & 63;
        } else {
            sc = (in.get(scales + j + 4) & 0x0f) | ((in.get(scales + j - 4) & 0xff) >>> 6) << 4;
            m = ((in.get(scales + j + 4) & 0xff) >>> 4) | ((in.get(scales + j) & 0xff) >>> 6) << 4;
        }
        float d = Float.float16ToFloat(in.getShort(block)) * sc;
        float min = Float.float16ToFloat(in.getShort(block + 2)) * m;
        return d * q - min;
    }

    /** Value {@code i} of the Q3_K super-block at byte {@code block}, as ggml's {@code dequantize_row_q3_K}. */
    private static float q3k(ByteBuffer in, int block, int i) {
        int n = i / 128;
        int j = i % 128 / 32;
        int h = i % 32 / 16;
        int l = i % 16;
        int g = 8 * n + 2 * j + h;
        int low = g < 8 ? in.get(block + 96 + g) & 0x0f : (in.get(block + 96 + g - 8) & 0xff) >>> 4;
        int scale = (low | ((in.get(block + 96 + 8 + g % 4) & 0xff) >>> 2 * (g / 4) & 3) << 4) - 32;
        int q = (in.get(block + 32 + 32 * n + 16 * h + l) & 0xff) >>> 2 * j & 3;
        boolean highBit = ((in.get(block + 16 * h + l) & 0xff) >>> (4 * n + j) & 1) != 0;
        return Float.float16ToFloat(in.getShort(block + 108)) * scale * (q - (highBit ? 0 : 4));
    }

    /** Value {@code i} of the Q6_K super-block at byte {@code block}. */
    private static float q6k(ByteBuffer in, int block, int i) {
        int n = i / 128;
        int quarter = i % 128 / 32;
        int l = i % 32;
        int ql = in.get(block + 64 * n + l + (quarter % 2 == 1 ? 32 : 0)) & 0xff;
        int low = quarter < 2 ? ql & 0x0f : ql >>> 4;
        int high = (in.get(block + 128 + 32 * n + l) & 0xff) >>> (2 * quarter) & 3;
        int scale = in.get(block + 192 + 8 * n + l / 16 + 2 * quarter);
        return Float.float16ToFloat(in.getShort(block + 208)) * scale * ((low | high << 4) - 32);
    }
}
