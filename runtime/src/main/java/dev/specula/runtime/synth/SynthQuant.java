package dev.specula.runtime.synth;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.tensor.GgmlType;
import java.util.Locale;

/** The weight types {@code synth} writes, with llama.cpp's {@code general.file_type} for each. */
public enum SynthQuant {
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    Q4_0(GgmlType.Q4_0, 2),
    Q4_1(GgmlType.Q4_1, 3),
    Q5_0(GgmlType.Q5_0, 8),
    Q5_1(GgmlType.Q5_1, 9),
    Q2_K(GgmlType.Q2_K, 10),
    Q3_K(GgmlType.Q3_K, 11),
    Q4_K(GgmlType.Q4_K, 14),
    Q5_K(GgmlType.Q5_K, 16),
    Q6_K(GgmlType.Q6_K, 18),
    IQ4_NL(GgmlType.IQ4_NL, 25),
    IQ4_XS(GgmlType.IQ4_XS, 30),
    /**
     * llama.cpp's Q4_K_M mix: Q4_K, with Q6_K for the output head and for some layers' attn_v and ffn_down; rows
     * that are not whole super-blocks fall back to Q5_0 (Q8_0 for the Q6_K ones), as llama.cpp's do.
     */
    Q4_K_M(GgmlType.Q4_K, 15, true),
    /** llama.cpp's Q5_K_M mix: as Q4_K_M around Q5_K, falling back to Q5_1. */
    Q5_K_M(GgmlType.Q5_K, 17, true);

    private final GgmlType type;
    private final int fileType;
    private final boolean mix;

    SynthQuant(GgmlType type, int fileType) {
        this(type, fileType, false);
    }

    SynthQuant(GgmlType type, int fileType, boolean mix) {
        this.type = type;
        this.fileType = fileType;
        this.mix = mix;
    }

    /** The type of the matrices (of all of them but a mix's upgrades). */
    public GgmlType type() {
        return type;
    }

    /** The block size every matrix width must be a multiple of: a mix's fallback's (32), else its type's. */
    public int block() {
        return mix ? type.fallback().blockSize() : type.blockSize();
    }

    /**
     * The type that rows of {@code cols} values of a matrix meant to be {@code chosen} are written in:
     * {@code chosen} if they are whole blocks of it, else, in a mix, llama.cpp's fallback ({@link GgmlType#fallback}).
     */
    public GgmlType fit(GgmlType chosen, int cols) {
        return mix && cols % chosen.blockSize() != 0 ? chosen.fallback() : chosen;
    }

    /** The output head's type: Q6_K in a mix, as llama.cpp quantizes it for every k-quant mix. */
    public GgmlType outputType() {
        return mix ? GgmlType.Q6_K : type;
    }

    /**
     * The type of layer {@code layer}'s attn_v and ffn_down of {@code layers}: Q6_K in a mix where llama.cpp's
     * {@code use_more_bits} picks the layer (the first and last eighth, and every third in between), else
     * {@link #type()}.
     */
    public GgmlType sensitiveType(int layer, int layers) {
        boolean moreBits = layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
        return mix && moreBits ? GgmlType.Q6_K : type;
    }

    /**
     * llama.cpp's {@code llama_ftype}: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q4_1 3, MOSTLY_Q8_0 7,
     * MOSTLY_Q5_0 8, MOSTLY_Q5_1 9, MOSTLY_Q2_K 10, MOSTLY_Q3_K_S 11, MOSTLY_Q4_K_S 14, MOSTLY_Q4_K_M 15, MOSTLY_Q5_K_S 16,
     * MOSTLY_Q5_K_M 17, MOSTLY_Q6_K 18, MOSTLY_IQ4_NL 25, MOSTLY_IQ4_XS 30, MOSTLY_BF16 32.
     */
    public int fileType() {
        return fileType;
    }

    public static SynthQuant parse(String s) {
        for (SynthQuant q : values()) {
            if (q.name().equalsIgnoreCase(s)) {
                return q;
            }
        }
        throw new SpeculaException("unknown quantization '" + s + "' (known: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, iq4_nl, iq4_xs, q4_k_m, q5_k_m)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
