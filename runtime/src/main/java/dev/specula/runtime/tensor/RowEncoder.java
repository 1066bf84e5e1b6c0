package dev.specula.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Encodes float rows into GGUF tensor bytes, with llama.cpp's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}) so files match what its tools write.
 * The k-quants (Q4_K, Q5_K, Q6_K) are written in llama.cpp's layout from plain min/max scales, without the
 * error-minimising search of its {@code make_qkx2_quants}/{@code make_qx_quants}: valid files, a little
 * less accurate than its own (random-weight models for benchmarks are what they are for).
 */
public final class RowEncoder {

    private static final int BLOCK = 32;
    private static final int SUPER = 256;
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
            case Q4_K -> {
                for (int b = 0; b < n / SUPER; b++) {
                    q4kBlock(src, from + b * SUPER, dst, at + b * (long) GgmlType.Q4_K.blockBytes());
                }
            }
            case Q5_K -> {
                for (int b = 0; b < n / SUPER; b++) {
                    q5kBlock(src, from + b * SUPER, dst, at + b * (long) GgmlType.Q5_K.blockBytes());
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / SUPER; b++) {
                    q6kBlock(src, from + b * SUPER, dst, at + b * (long) GgmlType.Q6_K.blockBytes());
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

    /**
     * Q4_K: each sub-block of 32 spans [min(0, lowest), highest] in 15 steps; the eight steps and the eight
     * offsets are then quantized to 6 bits against the super-block's largest of each (fp16 {@code d}, {@code dmin}),
     * and the values against the scales as stored.
     */
    private static void q4kBlock(float[] x, int at, MemorySegment dst, long to) {
        int[] q = scaledMinBlock(x, at, 15, dst, to);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, to + 16 + 32 * c + l, (byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4));
            }
        }
    }

    /** Q5_K: as Q4_K in 31 steps; each value's fifth bit goes to byte {@code l} of {@code qh}, bit {@code j} for sub-block {@code j}. */
    private static void q5kBlock(float[] x, int at, MemorySegment dst, long to) {
        int[] q = scaledMinBlock(x, at, 31, dst, to);
        for (int l = 0; l < 32; l++) {
            int high = 0;
            for (int j = 0; j < 8; j++) {
                high |= (q[32 * j + l] >> 4) << j;
            }
            dst.set(ValueLayout.JAVA_BYTE, to + 16 + l, (byte) high);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, to + 48 + 32 * c + l,
                        (byte) (q[64 * c + l] & 0x0f | (q[64 * c + 32 + l] & 0x0f) << 4));
            }
        }
    }

    /**
     * Writes a Q4_K/Q5_K super-block's {@code d}, {@code dmin} and packed 6-bit scales and mins for {@code levels}
     * steps per sub-block, and returns its 256 values quantized against them (0..levels).
     */
    private static int[] scaledMinBlock(float[] x, int at, int levels, MemorySegment dst, long to) {
        float[] steps = new float[8];
        float[] offsets = new float[8];
        for (int j = 0; j < 8; j++) {
            float lowest = 0;
            float highest = x[at + 32 * j];
            for (int i = 0; i < 32; i++) {
                lowest = Math.min(lowest, x[at + 32 * j + i]);
                highest = Math.max(highest, x[at + 32 * j + i]);
            }
            steps[j] = Math.max(0, highest - lowest) / levels;
            offsets[j] = -lowest;
        }
        short dBits = Float.floatToFloat16(max(steps) / 63);
        short dminBits = Float.floatToFloat16(max(offsets) / 63);
        float d = Float.float16ToFloat(dBits);
        float dmin = Float.float16ToFloat(dminBits);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = d > 0 ? Math.min(63, Math.round(steps[j] / d)) : 0;
            m[j] = dmin > 0 ? Math.min(63, Math.round(offsets[j] / dmin)) : 0;
        }
        dst.set(SHORT, to, dBits);
        dst.set(SHORT, to + 2, dminBits);
        for (int j = 0; j < 4; j++) {
            dst.set(ValueLayout.JAVA_BYTE, to + 4 + j, (byte) (sc[j] | (sc[j + 4] >> 4) << 6));
            dst.set(ValueLayout.JAVA_BYTE, to + 8 + j, (byte) (m[j] | (m[j + 4] >> 4) << 6));
            dst.set(ValueLayout.JAVA_BYTE, to + 12 + j, (byte) (sc[j + 4] & 0x0f | (m[j + 4] & 0x0f) << 4));
        }
        int[] q = new int[SUPER];
        for (int i = 0; i < SUPER; i++) {
            q[i] = level(x[at + i], d * sc[i / 32], dmin * m[i / 32], levels);
        }
        return q;
    }

    private static int level(float value, float step, float offset, int levels) {
        return step > 0 ? Math.clamp(Math.round((value + offset) / step), 0, levels) : 0;
    }

    /**
     * Q6_K: each group of 16 gets the step that maps its value of largest magnitude to -32 (as Q4_0 maps its
     * extreme to -8), the sixteen steps are quantized to int8 the same way against fp16 {@code d}, and the values
     * against the steps as stored.
     */
    private static void q6kBlock(float[] x, int at, MemorySegment dst, long to) {
        float[] steps = new float[16];
        for (int g = 0; g < 16; g++) {
            steps[g] = extreme(x, at + 16 * g, 16) / -32;
        }
        short dBits = Float.floatToFloat16(extreme(steps, 0, 16) / -128);
        float d = Float.float16ToFloat(dBits);
        int[] q = new int[SUPER];
        for (int g = 0; g < 16; g++) {
            int sc = d != 0 ? Math.clamp(Math.round(steps[g] / d), -128, 127) : 0;
            dst.set(ValueLayout.JAVA_BYTE, to + 192 + g, (byte) sc);
            float step = d * sc;
            for (int i = 0; i < 16; i++) {
                q[16 * g + i] = step != 0 ? Math.clamp(Math.round(x[at + 16 * g + i] / step), -32, 31) + 32 : 32;
            }
        }
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int q1 = q[128 * n + l];
                int q2 = q[128 * n + 32 + l];
                int q3 = q[128 * n + 64 + l];
                int q4 = q[128 * n + 96 + l];
                dst.set(ValueLayout.JAVA_BYTE, to + 64 * n + l, (byte) (q1 & 0x0f | (q3 & 0x0f) << 4));
                dst.set(ValueLayout.JAVA_BYTE, to + 64 * n + 32 + l, (byte) (q2 & 0x0f | (q4 & 0x0f) << 4));
                dst.set(ValueLayout.JAVA_BYTE, to + 128 + 32 * n + l, (byte) (q1 >> 4 | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6));
            }
        }
        dst.set(SHORT, to + 208, dBits);
    }

    private static float max(float[] v) {
        float max = 0;
        for (float f : v) {
            max = Math.max(max, f);
        }
        return max;
    }

    /** The value of largest magnitude among {@code v[from .. from + n)}, with its sign. */
    private static float extreme(float[] v, int from, int n) {
        float extreme = 0;
        for (int i = from; i < from + n; i++) {
            if (Math.abs(v[i]) > Math.abs(extreme)) {
                extreme = v[i];
            }
        }
        return extreme;
    }
}
