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
    Q4_K(GgmlType.Q4_K, 14),
    Q5_K(GgmlType.Q5_K, 16),
    Q6_K(GgmlType.Q6_K, 18);

    private final GgmlType type;
    private final int fileType;

    SynthQuant(GgmlType type, int fileType) {
        this.type = type;
        this.fileType = fileType;
    }

    public GgmlType type() {
        return type;
    }

    /** llama.cpp's {@code llama_ftype}: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7, MOSTLY_Q4_K_S 14, MOSTLY_Q5_K_S 16, MOSTLY_Q6_K 18, MOSTLY_BF16 32. */
    public int fileType() {
        return fileType;
    }

    public static SynthQuant parse(String s) {
        for (SynthQuant q : values()) {
            if (q.name().equalsIgnoreCase(s)) {
                return q;
            }
        }
        throw new SpeculaException("unknown quantization '" + s + "' (known: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
