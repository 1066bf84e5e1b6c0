package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Independent scalar encoders for the weight types, following llama.cpp's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}), and the matching scalar decoders
 * the kernel tests compare against.
 */
final class ScalarQuant {

    static final int BLOCK = 32;

    private ScalarQuant() {
    }

    /** A {@code rows x cols} tensor of {@code type} holding {@code values} (row-major), on the heap. */
    static Tensor tensor(GgmlType type, float[] values, int rows, int cols) {
        byte[] bytes = encode(type, values, rows, cols);
        return new Tensor("w", type, new long[]{cols, rows}, MemorySegment.ofArray(bytes));
    }

    static byte[] encode(GgmlType type, float[] values, int rows, int cols) {
        ByteBuffer out = ByteBuffer.allocate((int) (rows * type.bytesFor(cols))).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c += type == GgmlType.Q8_0 || type == GgmlType.Q4_0 ? BLOCK : cols) {
                int at = r * cols + c;
                switch (type) {
                    case F32 -> { for (int i = 0; i < cols; i++) out.putFloat(values[at + i]); }
                    case F16 -> { for (int i = 0; i < cols; i++) out.putShort(Float.floatToFloat16(values[at + i])); }
                    case BF16 -> { for (int i = 0; i < cols; i++) out.putShort((short) (Float.floatToRawIntBits(values[at + i]) >>> 16)); }
                    case Q8_0 -> q8Block(values, at, out);
                    case Q4_0 -> q4Block(values, at, out);
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
        float amax = 0;
        float max = 0;
        for (int i = 0; i < BLOCK; i++) {
            if (Math.abs(x[at + i]) > amax) {
                amax = Math.abs(x[at + i]);
                max = x[at + i];
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(15, (int) (x[at + i] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + i + BLOCK / 2] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
        }
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
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
