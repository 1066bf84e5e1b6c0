package dev.specula.runtime.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Encodes float rows into GGUF tensor bytes, with llama.cpp's reference quantizers
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}) so files match what its tools write.
 * The k-quants and IQ4 follow its reference quantizers too ({@code quantize_row_q2_K_ref}, {@code _q3_K_ref}, {@code _q4_K_ref}, {@code _q5_K_ref},
 * {@code _q6_K_ref}, {@code quantize_row_iq4_nl_impl}, with their searches), not the
 * importance-matrix ones its tools use when given activation statistics.
 */
public final class RowEncoder {

    private static final int BLOCK = 32;
    private static final int SUPER = 256;
    /** llama.cpp's {@code kvalues_iq4nl}: IQ4_NL's and IQ4_XS's 16 levels. */
    private static final int[] IQ4_VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    /** ggml's {@code GROUP_MAX_EPS}: a group whose largest magnitude is below it is all zeros. */
    private static final float GROUP_MAX_EPS = 1e-15f;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
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
            case Q4_1 -> {
                for (int b = 0; b < n / BLOCK; b++) {
                    offsetBlock(src, from + b * BLOCK, 15, dst, at + b * 20L);
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < n / BLOCK; b++) {
                    offsetBlock(src, from + b * BLOCK, 31, dst, at + b * 24L);
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < n / BLOCK; b++) {
                    q5Block(src, from + b * BLOCK, dst, at + b * 22L);
                }
            }
            case IQ4_NL -> {
                for (int b = 0; b < n / BLOCK; b++) {
                    iq4Block(src, from + b * BLOCK, BLOCK, dst, at + b * 18L);
                }
            }
            case IQ4_XS -> {
                for (int b = 0; b < n / SUPER; b++) {
                    iq4Block(src, from + b * SUPER, SUPER, dst, at + b * (long) GgmlType.IQ4_XS.blockBytes());
                }
            }
            case Q2_K -> {
                for (int b = 0; b < n / SUPER; b++) {
                    q2kBlock(src, from + b * SUPER, dst, at + b * (long) GgmlType.Q2_K.blockBytes());
                }
            }
            case Q3_K -> {
                for (int b = 0; b < n / SUPER; b++) {
                    q3kBlock(src, from + b * SUPER, dst, at + b * (long) GgmlType.Q3_K.blockBytes());
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
        float d = extreme(x, at, BLOCK) / -8;
        float id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, to, Float.floatToFloat16(d));
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(15, (int) (x[at + i] * id + 8.5f));
            int hi = Math.min(15, (int) (x[at + i + BLOCK / 2] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, to + 2 + i, (byte) (lo | hi << 4));
        }
    }

    /** Q5_0 as {@code quantize_row_q5_0_ref}: as Q4_0 over 32 levels, each value's fifth bit in {@code qh}. */
    private static void q5Block(float[] x, int at, MemorySegment dst, long to) {
        float max = extreme(x, at, BLOCK);
        float d = max / -16;
        float id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, to, Float.floatToFloat16(d));
        int qh = 0;
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(31, (int) (x[at + i] * id + 16.5f));
            int hi = Math.min(31, (int) (x[at + i + BLOCK / 2] * id + 16.5f));
            dst.set(ValueLayout.JAVA_BYTE, to + 6 + i, (byte) (lo & 0x0f | (hi & 0x0f) << 4));
            qh |= (lo >> 4) << i | (hi >> 4) << (i + BLOCK / 2);
        }
        dst.set(INT, to + 2, qh);
    }

    /**
     * Q4_1 ({@code levels} 15) and Q5_1 (31) as {@code quantize_row_q4_1_ref}/{@code _q5_1_ref}: the block's
     * [lowest, highest] in equal steps, {@code d} the step and {@code m} the lowest value; Q5_1's fifth bits
     * go to {@code qh} as Q5_0's.
     */
    private static void offsetBlock(float[] x, int at, int levels, MemorySegment dst, long to) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < BLOCK; i++) {
            min = Math.min(min, x[at + i]);
            max = Math.max(max, x[at + i]);
        }
        float d = (max - min) / levels;
        float id = d != 0 ? 1 / d : 0;
        dst.set(SHORT, to, Float.floatToFloat16(d));
        dst.set(SHORT, to + 2, Float.floatToFloat16(min));
        long quants = levels == 15 ? to + 4 : to + 8;
        int qh = 0;
        for (int i = 0; i < BLOCK / 2; i++) {
            int lo = Math.min(levels, (int) ((x[at + i] - min) * id + 0.5f));
            int hi = Math.min(levels, (int) ((x[at + i + BLOCK / 2] - min) * id + 0.5f));
            dst.set(ValueLayout.JAVA_BYTE, quants + i, (byte) (lo & 0x0f | (hi & 0x0f) << 4));
            qh |= (lo >> 4) << i | (hi >> 4) << (i + BLOCK / 2);
        }
        if (levels == 31) {
            dst.set(INT, to + 4, qh);
        }
    }

    /**
     * Q3_K as {@code quantize_row_q3_K_ref}: each group of 16 gets {@link #fitThreeBits}'s signed step, the
     * sixteen steps are quantized to 6 bits against {@code d} = -(step of largest magnitude) / 32, and the values
     * against the steps as stored; each value's third bit goes to {@code hmask} (bit {@code i / 32} of byte
     * {@code i % 32}), its low bit pair to {@code qs}.
     */
    private static void q3kBlock(float[] x, int at, MemorySegment dst, long to) {
        float[] steps = new float[16];
        int[] q = new int[SUPER];
        float maxStep = 0;
        for (int g = 0; g < 16; g++) {
            steps[g] = fitThreeBits(x, at + 16 * g, q, 16 * g);
            if (Math.abs(steps[g]) > Math.abs(maxStep)) {
                maxStep = steps[g];
            }
        }
        byte[] scales = new byte[12];
        float d = 0;
        if (maxStep != 0) {
            float inverse = -32 / maxStep;
            for (int g = 0; g < 16; g++) {
                int l = Math.clamp(nearest(inverse * steps[g]), -32, 31) + 32;
                scales[g % 8] |= (byte) ((l & 0x0f) << 4 * (g / 8));
                scales[8 + g % 4] |= (byte) ((l >> 4) << 2 * (g / 4));
            }
            d = 1 / inverse;
        }
        short dBits = Float.floatToFloat16(d);
        float dStored = Float.float16ToFloat(dBits);
        for (int g = 0; g < 16; g++) {
            int low = (scales[g % 8] & 0xff) >>> 4 * (g / 8) & 0x0f;
            int high = (scales[8 + g % 4] & 0xff) >>> 2 * (g / 4) & 3;
            float step = dStored * ((low | high << 4) - 32);
            if (step == 0) {
                continue;
            }
            for (int i = 16 * g; i < 16 * g + 16; i++) {
                q[i] = Math.clamp(nearest(x[at + i] / step), -4, 3) + 4;
            }
        }
        byte[] hmask = new byte[32];
        for (int i = 0; i < SUPER; i++) {
            if (q[i] > 3) {
                hmask[i % 32] |= (byte) (1 << i / 32);
                q[i] -= 4;
            }
        }
        MemorySegment.copy(hmask, 0, dst, ValueLayout.JAVA_BYTE, to, 32);
        packPairs(q, dst, to + 32);
        MemorySegment.copy(scales, 0, dst, ValueLayout.JAVA_BYTE, to + 96, 12);
        dst.set(SHORT, to + 108, dBits);
    }

    /**
     * llama.cpp's {@code make_q3_quants} with its least-squares refinement for the 16 values at {@code x[from ..]}
     * and levels -4..3: starts from the step that maps the value of largest magnitude to -4, then moves single
     * values to the level their residual asks for while that raises the weighted fit (weights {@code x^2}, five
     * rounds at most); writes the levels plus 4 to {@code q[to ..]} and returns the step, signed.
     */
    private static float fitThreeBits(float[] x, int from, int[] q, int to) {
        int n = 16;
        int levels = 4;
        float max = extreme(x, from, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            Arrays.fill(q, to, to + n, 0);
            return 0;
        }
        float[] sums = quantizeSigned(x, from, n, levels, -levels / max, q, to);
        float sumLX = sums[0];
        float sumL2 = sums[1];
        for (int round = 0; round < 5; round++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float v = x[from + i];
                float w = v * v;
                int l = q[to + i] - levels;
                float slx = sumLX - w * v * l;
                if (slx > 0) {
                    float sl2 = sumL2 - w * l * l;
                    int next = Math.clamp(nearest(v * sl2 / slx), -levels, levels - 1);
                    if (next != l) {
                        slx += w * v * next;
                        sl2 += w * next * next;
                        if (sl2 > 0 && slx * slx * sumL2 > sumLX * sumLX * sl2) {
                            q[to + i] = next + levels;
                            sumLX = slx;
                            sumL2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) {
                break;
            }
        }
        return sumLX / sumL2;
    }

    /**
     * Q4_K as llama.cpp's {@code quantize_row_q4_K_ref}: each sub-block of 32 gets the step and offset of
     * {@link #fitStepAndOffset} over 15 levels, the eight steps and eight offsets are quantized to 6 bits
     * against the super-block's largest of each, and the values against the scales as stored.
     */
    private static void q4kBlock(float[] x, int at, MemorySegment dst, long to) {
        int[] q = scaledMinBlock(x, at, 15, -1f, 20, dst, to);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, to + 16 + 32 * c + l, (byte) (q[64 * c + l] | q[64 * c + 32 + l] << 4));
            }
        }
    }

    /**
     * Q5_K as {@code quantize_row_q5_K_ref}: as Q4_K over 31 levels; each value's fifth bit goes to byte {@code l}
     * of {@code qh}, bit {@code j} for sub-block {@code j}.
     */
    private static void q5kBlock(float[] x, int at, MemorySegment dst, long to) {
        int[] q = scaledMinBlock(x, at, 31, -0.5f, 15, dst, to);
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
     * levels per sub-block, and returns its 256 values quantized against them (0..levels); {@code firstStep} and
     * {@code steps} set {@link #fitStepAndOffset}'s search.
     */
    private static int[] scaledMinBlock(float[] x, int at, int levels, float firstStep, int steps, MemorySegment dst,
                                        long to) {
        float[] scales = new float[8];
        float[] offsets = new float[8];
        int[] q = new int[SUPER];
        float[] weights = new float[32];
        for (int j = 0; j < 8; j++) {
            int from = at + 32 * j;
            float sumSquares = 0;
            for (int i = 0; i < 32; i++) {
                sumSquares += x[from + i] * x[from + i];
            }
            float average = (float) Math.sqrt(sumSquares / 32);
            for (int i = 0; i < 32; i++) {
                weights[i] = average + Math.abs(x[from + i]);
            }
            scales[j] = fitStepAndOffset(x, from, 32, weights, levels, q, 32 * j, offsets, j, firstStep, steps, false);
        }
        float maxScale = max(scales);
        float maxOffset = max(offsets);
        float inverseScale = maxScale > 0 ? 63 / maxScale : 0;
        float inverseOffset = maxOffset > 0 ? 63 / maxOffset : 0;
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = Math.min(63, nearest(inverseScale * scales[j]));
            m[j] = Math.min(63, nearest(inverseOffset * offsets[j]));
        }
        short dBits = Float.floatToFloat16(maxScale / 63);
        short dminBits = Float.floatToFloat16(maxOffset / 63);
        dst.set(SHORT, to, dBits);
        dst.set(SHORT, to + 2, dminBits);
        for (int j = 0; j < 4; j++) {
            dst.set(ValueLayout.JAVA_BYTE, to + 4 + j, (byte) (sc[j] | (sc[j + 4] >> 4) << 6));
            dst.set(ValueLayout.JAVA_BYTE, to + 8 + j, (byte) (m[j] | (m[j + 4] >> 4) << 6));
            dst.set(ValueLayout.JAVA_BYTE, to + 12 + j, (byte) (sc[j + 4] & 0x0f | (m[j + 4] & 0x0f) << 4));
        }
        float d = Float.float16ToFloat(dBits);
        float dmin = Float.float16ToFloat(dminBits);
        for (int j = 0; j < 8; j++) {
            float step = d * sc[j];
            if (step == 0) {
                continue; // the search's levels stand, as in llama.cpp
            }
            float offset = dmin * m[j];
            for (int i = 32 * j; i < 32 * j + 32; i++) {
                q[i] = Math.clamp(nearest((x[at + i] + offset) / step), 0, levels);
            }
        }
        return q;
    }

    /**
     * llama.cpp's {@code make_qkx2_quants} for the {@code n} values at {@code x[from ..]}: the step and offset
     * (stored as its negation, {@code >= 0}, in {@code offsets[j]}) of {@code levels} levels that minimise the
     * weighted squared (or, {@code absolute}, absolute) error, starting from min/max and trying {@code steps + 1}
     * level counts from {@code levels + firstStep} in tenths, each refit by least squares; writes the levels to
     * {@code q[to ..]} and returns the step.
     */
    private static float fitStepAndOffset(float[] x, int from, int n, float[] weights, int levels, int[] q, int to,
                                          float[] offsets, int j, float firstStep, int steps, boolean absolute) {
        float min = x[from];
        float max = x[from];
        float sumW = weights[0];
        float sumX = sumW * x[from];
        for (int i = 1; i < n; i++) {
            min = Math.min(min, x[from + i]);
            max = Math.max(max, x[from + i]);
            sumW += weights[i];
            sumX += weights[i] * x[from + i];
        }
        min = Math.min(min, 0);
        if (max == min) {
            Arrays.fill(q, to, to + n, 0);
            offsets[j] = -min;
            return 0;
        }
        float inverse = levels / (max - min);
        float scale = 1 / inverse;
        float best = 0;
        for (int i = 0; i < n; i++) {
            q[to + i] = Math.clamp(nearest(inverse * (x[from + i] - min)), 0, levels);
            best += weights[i] * error(scale * q[to + i] + min - x[from + i], absolute);
        }
        int[] trial = new int[n];
        for (int is = 0; is <= steps; is++) {
            inverse = (firstStep + 0.1f * is + levels) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.clamp(nearest(inverse * (x[from + i] - min)), 0, levels);
                trial[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[from + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float total = 0;
                for (int i = 0; i < n; i++) {
                    total += weights[i] * error(thisScale * trial[i] + thisMin - x[from + i], absolute);
                }
                if (total < best) {
                    System.arraycopy(trial, 0, q, to, n);
                    best = total;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        offsets[j] = -min;
        return scale;
    }

    /**
     * Q6_K as llama.cpp's {@code quantize_row_q6_K_ref}: each group of 16 gets the signed step of
     * {@link #fitSignedStep}, the sixteen steps are quantized to int8 against the one of largest magnitude
     * (mapped to -128, fp16 {@code d}), and the values against the steps as stored.
     */
    private static void q6kBlock(float[] x, int at, MemorySegment dst, long to) {
        float[] steps = new float[16];
        int[] q = new int[SUPER];
        float maxStep = 0;
        for (int g = 0; g < 16; g++) {
            steps[g] = fitSignedStep(x, at + 16 * g, q, 16 * g);
            if (Math.abs(steps[g]) > Math.abs(maxStep)) {
                maxStep = steps[g];
            }
        }
        if (Math.abs(maxStep) < GROUP_MAX_EPS) {
            dst.asSlice(to, GgmlType.Q6_K.blockBytes()).fill((byte) 0);
            return;
        }
        float inverse = -128 / maxStep;
        short dBits = Float.floatToFloat16(1 / inverse);
        float d = Float.float16ToFloat(dBits);
        for (int g = 0; g < 16; g++) {
            int sc = Math.min(127, nearest(inverse * steps[g]));
            dst.set(ValueLayout.JAVA_BYTE, to + 192 + g, (byte) sc);
            float step = d * sc;
            if (step == 0) {
                continue;
            }
            for (int i = 16 * g; i < 16 * g + 16; i++) {
                q[i] = Math.clamp(nearest(x[at + i] / step), -32, 31) + 32;
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

    /**
     * llama.cpp's {@code make_qx_quants} with weights {@code x^2} for the 16 values at {@code x[from ..]} and
     * levels -32..31: the step that maps the value of largest magnitude to -32, or one of 18 neighbours (32 +- 0.1
     * .. 0.9 levels) if its least-squares refit explains more of the weighted signal; writes the levels plus 32
     * to {@code q[to ..]} and returns the step, signed.
     */
    private static float fitSignedStep(float[] x, int from, int[] q, int to) {
        int n = 16;
        int levels = 32;
        float max = extreme(x, from, n);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            Arrays.fill(q, to, to + n, 0);
            return 0;
        }
        float[] sums = quantizeSigned(x, from, n, levels, -levels / max, q, to);
        float scale = sums[1] != 0 ? sums[0] / sums[1] : 0;
        float best = scale * sums[0];
        int[] trial = new int[n];
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            float[] tried = quantizeSigned(x, from, n, levels, -(levels + 0.1f * is) / max, trial, 0);
            if (tried[1] > 0 && tried[0] * tried[0] > best * tried[1]) {
                System.arraycopy(trial, 0, q, to, n);
                scale = tried[0] / tried[1];
                best = scale * tried[0];
            }
        }
        return scale;
    }

    /**
     * Quantizes the {@code n} values at {@code x[from ..]} to levels {@code -levels .. levels - 1} with
     * {@code inverse} (1 / step), writes them plus {@code levels} to {@code q[to ..]}, and returns their weighted
     * sums {@code {sum w x l, sum w l^2}} with weights {@code x^2}: what llama.cpp's signed searches compare.
     */
    private static float[] quantizeSigned(float[] x, int from, int n, int levels, float inverse, int[] q, int to) {
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[from + i];
            int l = Math.clamp(nearest(inverse * v), -levels, levels - 1);
            q[to + i] = l + levels;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        return new float[]{sumLX, sumL2};
    }

    /**
     * IQ4_NL ({@code size} 32) and IQ4_XS (256) as llama.cpp's {@code quantize_row_iq4_nl_impl} without an
     * importance matrix: per 32 values the scale that maps the extreme to the table's -127 and its 14 neighbours,
     * each refit by weighted least squares (weights {@code x^2}); IQ4_XS then quantizes the eight scales to 6 bits
     * against {@code d} = -(scale of largest magnitude) / 32 and requantizes the values against them.
     */
    private static void iq4Block(float[] x, int at, int size, MemorySegment dst, long to) {
        int blocks = size / BLOCK;
        int[] q = new int[size];
        float[] scales = new float[blocks];
        float maxScale = 0;
        for (int ib = 0; ib < blocks; ib++) {
            scales[ib] = fitNonLinear(x, at + BLOCK * ib, q, BLOCK * ib);
            if (Math.abs(scales[ib]) > Math.abs(maxScale)) {
                maxScale = scales[ib];
            }
        }
        long quants;
        if (blocks == 1) {
            dst.set(SHORT, to, Float.floatToFloat16(scales[0]));
            float id = scales[0] != 0 ? 1 / scales[0] : 0;
            for (int i = 0; i < size; i++) {
                q[i] = nearestIq4(id * x[at + i]);
            }
            quants = to + 2;
        } else {
            float d = -maxScale / 32;
            dst.set(SHORT, to, Float.floatToFloat16(d));
            float id = d != 0 ? 1 / d : 0;
            int high = 0;
            int low = 0;
            for (int ib = 0; ib < blocks; ib++) {
                int l = Math.clamp(nearest(id * scales[ib]), -32, 31);
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0;
                for (int i = BLOCK * ib; i < BLOCK * ib + BLOCK; i++) {
                    q[i] = nearestIq4(idl * x[at + i]);
                }
                l += 32;
                low |= (l & 0x0f) << 4 * ib;
                high |= (l >> 4) << 2 * ib;
            }
            dst.set(SHORT, to + 2, (short) high);
            dst.set(INT, to + 4, low);
            quants = to + 8;
        }
        for (int ib = 0; ib < blocks; ib++) {
            for (int j = 0; j < BLOCK / 2; j++) {
                dst.set(ValueLayout.JAVA_BYTE, quants + 16L * ib + j, (byte) (q[32 * ib + j] | q[32 * ib + 16 + j] << 4));
            }
        }
    }

    /**
     * The scale of IQ4's table for the 32 values at {@code x[from ..]} ({@code quantize_row_iq4_nl_impl}'s search):
     * the extreme onto -127, then 15 scales (the extreme onto -127 +- 0..7 levels) each refit by least squares with
     * weights {@code x^2}, keeping the best; writes the table indices to {@code q[to ..]}.
     */
    private static float fitNonLinear(float[] x, int from, int[] q, int to) {
        float max = extreme(x, from, BLOCK);
        if (Math.abs(max) < GROUP_MAX_EPS) {
            return 0;
        }
        float d = -max / IQ4_VALUES[0];
        float id = 1 / d;
        float sumQX = 0;
        float sumQ2 = 0;
        for (int i = 0; i < BLOCK; i++) {
            float v = x[from + i];
            int l = nearestIq4(id * v);
            q[to + i] = l;
            float w = v * v;
            sumQX += w * IQ4_VALUES[l] * v;
            sumQ2 += w * IQ4_VALUES[l] * IQ4_VALUES[l];
        }
        d = sumQX / sumQ2;
        float best = d * sumQX;
        for (int t = -7; t <= 7; t++) {
            id = (t + IQ4_VALUES[0]) / max;
            sumQX = 0;
            sumQ2 = 0;
            for (int i = 0; i < BLOCK; i++) {
                float v = x[from + i];
                int value = IQ4_VALUES[nearestIq4(id * v)];
                float w = v * v;
                sumQX += w * value * v;
                sumQ2 += w * value * value;
            }
            if (sumQ2 > 0 && sumQX * sumQX > best * sumQ2) {
                d = sumQX / sumQ2;
                best = d * sumQX;
            }
        }
        return d;
    }

    /** The index of IQ4's table value nearest {@code v} ({@code best_index_int8}). */
    private static int nearestIq4(float v) {
        if (v <= IQ4_VALUES[0]) {
            return 0;
        }
        if (v >= IQ4_VALUES[15]) {
            return 15;
        }
        int lo = 0;
        int hi = 15;
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (v < IQ4_VALUES[mid]) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return v - IQ4_VALUES[hi - 1] < IQ4_VALUES[hi] - v ? hi - 1 : hi;
    }

    private static float error(float diff, boolean absolute) {
        return absolute ? Math.abs(diff) : diff * diff;
    }

    /**
     * Q2_K as {@code quantize_row_q2_K_ref}: each group of 16 gets {@link #fitStepAndOffset}'s step and offset over
     * four levels (absolute error, weights {@code |x|}), both quantized to 4 bits against the super-block's largest
     * of each, and the values against them as stored; the bit pairs are packed as Q3_K's low bits.
     */
    private static void q2kBlock(float[] x, int at, MemorySegment dst, long to) {
        float[] steps = new float[16];
        float[] offsets = new float[16];
        int[] q = new int[SUPER];
        float[] weights = new float[16];
        for (int g = 0; g < 16; g++) {
            for (int i = 0; i < 16; i++) {
                weights[i] = Math.abs(x[at + 16 * g + i]);
            }
            steps[g] = fitStepAndOffset(x, at + 16 * g, 16, weights, 3, q, 16 * g, offsets, g, -0.5f, 15, true);
        }
        float maxStep = max(steps);
        float maxOffset = max(offsets);
        int[] packed = new int[16];
        short dBits = Float.floatToFloat16(maxStep > 0 ? maxStep / 15 : 0);
        short dminBits = Float.floatToFloat16(maxOffset > 0 ? maxOffset / 15 : 0);
        for (int g = 0; g < 16; g++) {
            int sc = maxStep > 0 ? nearest(15 / maxStep * steps[g]) : 0;
            int m = maxOffset > 0 ? nearest(15 / maxOffset * offsets[g]) : 0;
            packed[g] = sc | m << 4;
            dst.set(ValueLayout.JAVA_BYTE, to + g, (byte) packed[g]);
        }
        float d = Float.float16ToFloat(dBits);
        float dmin = Float.float16ToFloat(dminBits);
        for (int g = 0; g < 16; g++) {
            float step = d * (packed[g] & 0x0f);
            if (step == 0) {
                continue;
            }
            float offset = dmin * (packed[g] >> 4);
            for (int i = 16 * g; i < 16 * g + 16; i++) {
                q[i] = Math.clamp(nearest((x[at + i] + offset) / step), 0, 3);
            }
        }
        packPairs(q, dst, to + 16);
        dst.set(SHORT, to + 80, dBits);
        dst.set(SHORT, to + 82, dminBits);
    }

    /**
     * Q2_K's and Q3_K's bit pairs: the 256 levels (below 4) of a super-block into 64 bytes at {@code at}, byte
     * {@code 32 n + l} holding values {@code 128 n + l}, {@code + 32}, {@code + 64} and {@code + 96} from its low bits up.
     */
    private static void packPairs(int[] q, MemorySegment dst, long at) {
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int i = 128 * n + l;
                dst.set(ValueLayout.JAVA_BYTE, at + 32 * n + l,
                        (byte) (q[i] | q[i + 32] << 2 | q[i + 64] << 4 | q[i + 96] << 6));
            }
        }
    }

    /** ggml's {@code nearest_int}: round half to even. */
    private static int nearest(float f) {
        return (int) Math.rint(f);
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
