package dev.specula.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Encodes float rows into GGUF tensor bytes, with llama.cpp's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}) so files match what its tools write.
 */
public final class RowEncoder {

    private static final int BLOCK = 32;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RowEncoder() {
    }

    /** Writes {@code src[from .. from+n)} as {@code type} to {@code dst} from byte {@code at}; {@code n} is whole blocks for quantized types. */
    public static void encode(GgmlType type, float[] src, int from, int n, MemorySegment dst, long at) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, from, dst, FLOAT, at, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(SHORT, at + 2L * i, Float.floatToFloat16(src[from + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(SHORT, at + 2L * i, bf16(src[from + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n / BLOCK; b++) {
                    q8Block(src, from + b * BLOCK, dst, at + b * 34L);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / BLOCK; b++) {
                    q4Block(src, from + b * BLOCK, dst, at + b * 18L);
                }
            }
            default -> throw new IllegalArgumentException("no encoder for " + type);
        }
    }

    /**
     * {@code f} rounded to the nearest bfloat16, ties to even, as ggml's {@code ggml_compute_fp32_to_bf16}
     * does; a NaN stays a NaN (made quiet, so that dropping its low bits cannot turn it into infinity).
     */
    static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) (bits >>> 16 | 0x40);
        }
        return (short) ((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }

    private static void q8Block(float[] x, int at, MemorySegment dst, long to) {
        float amax = 0;
        for (int i = 0; i < BLOCK; i++) {
            amax = Math.max(amax, Math.abs(x[at + i]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, to, Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK; i++) {
            dst.set(ValueLayout.JAVA_BYTE, to + 2 + i, (byte) Math.round(x[at + i] * id));
        }
    }

    /** The scale maps the value of largest magnitude to -8, so its sign uses the full range. */
    private static void q4Block(float[] x, int at, MemorySegment dst, long to) {
        float amax = 0;
        float max = 0;
        for (int i = 0; i < BLOCK; i++) {
            float a = Math.abs(x[at + i]);
            if (a > amax) {
                amax = a;
                max = x[at + i];
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, to, Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(15, (int) (x[at + i] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + i + BLOCK / 2] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, to + 2 + i, (byte) (lo | hi << 4));
        }
    }
}
