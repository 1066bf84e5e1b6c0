package dev.specula.runtime.tensor;

/**
 * Tensor element types with ggml's numeric ids (the ids GGUF stores).
 * Quantized types pack {@code blockSize} values into {@code blockBytes} bytes.
 * Only the types with {@code supported == true} have kernels; the others are listed so that
 * a file using them gets a precise "unsupported tensor type" error instead of a parse failure.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, true),
    Q3_K(11, 256, 110, true),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, true),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, true),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false);

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final boolean supported;

    GgmlType(int id, int blockSize, int blockBytes, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.supported = supported;
    }

    public int id() {
        return id;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    public boolean supported() {
        return supported;
    }

    /**
     * llama.cpp's type for rows of this type that are not whole blocks of it ({@code llama_tensor_get_type}'s
     * fallback): a 32-value type of similar precision for the super-block types, itself for the others.
     */
    public GgmlType fallback() {
        return switch (this) {
            case Q2_K, Q3_K, IQ4_XS -> IQ4_NL;
            case Q4_K -> Q5_0;
            case Q5_K -> Q5_1;
            case Q6_K -> Q8_0;
            default -> this;
        };
    }

    /** Bits per value, block scales included. */
    public double bitsPerValue() {
        return 8.0 * blockBytes / blockSize;
    }

    /** Bytes taken by {@code elements} values; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements is not a multiple of " + name() + "'s block size " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /** The type with ggml id {@code id}, or null if the id is unknown. */
    public static GgmlType byId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
