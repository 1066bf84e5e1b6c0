package dev.specula.runtime.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import dev.specula.runtime.kernel.WeightsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * bfloat16 encoding against hand-worked bit patterns (round to nearest, ties to even, NaN kept a NaN), and the
 * quantizers against llama.cpp's own bound for them.
 */
class RowEncoderTest {

    private static float bits(int b) {
        return Float.intBitsToFloat(b);
    }

    private static int bf16(float f) {
        return RowEncoder.bf16(f) & 0xFFFF;
    }

    @Test
    void exactValuesKeepTheirTopHalf() {
        assertEquals(0x3F80, bf16(1f));
        assertEquals(0xC000, bf16(-2f));
        assertEquals(0x0000, bf16(0f));
        assertEquals(0x8000, bf16(-0f));
        assertEquals(0x7F80, bf16(Float.POSITIVE_INFINITY));
        assertEquals(0xFF80, bf16(Float.NEGATIVE_INFINITY));
    }

    @Test
    void roundsToNearestWithTiesToEven() {
        assertEquals(0x3F80, bf16(bits(0x3F808000)), "1 + 2^-8 lies halfway: down to the even 0x3F80");
        assertEquals(0x3F82, bf16(bits(0x3F818000)), "1 + 3 * 2^-8 lies halfway: up to the even 0x3F82");
        assertEquals(0x3F81, bf16(bits(0x3F808001)), "just above halfway rounds up");
        assertEquals(0x3F80, bf16(bits(0x3F807FFF)), "just below halfway rounds down");
        assertEquals(0x7F80, bf16(Float.MAX_VALUE), "the largest float rounds up to infinity");
    }

    @Test
    void nanStaysNan() {
        // Truncating this signalling NaN's payload would leave 0x7F80: infinity.
        short h = RowEncoder.bf16(bits(0x7F800001));
        assertTrue(Float.isNaN(Float.intBitsToFloat(h << 16)), Integer.toHexString(h & 0xFFFF));
    }

    @Test
    void encodesLittleEndianShorts() {
        MemorySegment dst = MemorySegment.ofArray(new byte[6]);
        RowEncoder.encode(GgmlType.BF16, new float[]{9f, 1f, -2f, 7f}, 1, 2, dst, 2);
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, dst.get(le, 0));
        assertEquals(0x3F80, dst.get(le, 2) & 0xFFFF);
        assertEquals(0xC000, dst.get(le, 4) & 0xFFFF);
    }

    /**
     * llama.cpp's {@code test-quantize-fns}: 4096 values {@code 0.1 + 2 cos(i)} must come back with
     * {@code sqrt(sum of squared errors) / n} below 0.002 for every type of four bits or more, 0.004 for three,
     * 0.0075 for two.
     * Decoded by the kernels' row decoder, which the kernel tests check against scalar decoders of ggml's layouts.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS"})
    void quantizersMeetLlamaCppsErrorBound(GgmlType type) {
        int n = 4096;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = 0.1f + 2 * (float) Math.cos(i);
        }
        MemorySegment encoded = MemorySegment.ofArray(new byte[(int) type.bytesFor(n)]);
        RowEncoder.encode(type, values, 0, n, encoded, 0);
        float[] decoded = new float[n];
        WeightsFactory.of(new Tensor("w", type, new long[]{n, 1}, encoded)).row(0, decoded, 0);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (decoded[i] - values[i]) * (double) (decoded[i] - values[i]);
        }
        double error = Math.sqrt(sum) / n;
        double bound = switch (type) {
            case Q2_K -> 0.0075;
            case Q3_K -> 0.004;
            default -> 0.002;
        };
        assertTrue(error < bound, type + ": " + error);
        assertTrue(error > 0, type + " is lossy");
    }
}
