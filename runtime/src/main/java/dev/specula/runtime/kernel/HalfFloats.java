package dev.specula.runtime.kernel;

import static dev.specula.runtime.kernel.Species.INTS;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Widening of 16-bit floats held in a {@link ShortVector} to float lanes. The Vector API has no
 * fp16 conversion, so IEEE half is converted with integer operations; bf16 is a float's top half.
 */
final class HalfFloats {

    private static final int HALF_EXPONENT_MASK = 0x7c00;

    private HalfFloats() {
    }

    /** IEEE binary16 lanes of {@code part} of {@code halves} as floats, exact (subnormals, inf, NaN included). */
    static FloatVector fp16(ShortVector halves, int part) {
        IntVector bits = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, part);
        IntVector magnitude = bits.and(0x7fff);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        // Placing the half's exponent and mantissa in a float's low bits and scaling by 2^(127-15)
        // rebias normals and normalises subnormals exactly; inf and NaN just need the top exponent.
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector special = shifted.or(0x7f800000);
        IntVector unsigned = finite.blend(special, magnitude.compare(VectorOperators.GE, HALF_EXPONENT_MASK));
        return unsigned.or(bits.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
    }

    /** bfloat16 lanes of {@code part} of {@code halves} as floats (exact: bf16 is a truncated float). */
    static FloatVector bf16(ShortVector halves, int part) {
        IntVector bits = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, part);
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
