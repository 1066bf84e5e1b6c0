package dev.specula.runtime.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses, chosen once per JVM.
 *
 * <p>Floats use the preferred shape, capped at 512 bits so that a lane count divides a quant block's
 * 16-byte half and 32 values (SVE machines may prefer wider, odd shapes). Narrow element types
 * (fp16/bf16 shorts, int8 quants) are loaded {@code FLOATS.length()} at a time so one load widens
 * into exactly one float vector, except that no vector is narrower than 64 bits (the smallest
 * shape): then one load widens into {@link #SHORT_PARTS} or {@link #BYTE_PARTS} float vectors.
 */
final class Species {

    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED.vectorBitSize() <= 512
            ? FloatVector.SPECIES_PREFERRED
            : FloatVector.SPECIES_512;

    static final int LANES = FLOATS.length();

    static final VectorSpecies<Integer> INTS = FLOATS.withLanes(int.class);

    static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, LANES * Short.SIZE)));

    static final int SHORT_PARTS = SHORTS.length() / LANES;

    static final VectorSpecies<Byte> BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, LANES * Byte.SIZE)));

    static final int BYTE_PARTS = BYTES.length() / LANES;

    private Species() {
    }
}
