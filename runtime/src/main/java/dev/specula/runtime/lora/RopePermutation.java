package dev.specula.runtime.lora;

/**
 * Converts the rows of a q or k projection between Hugging Face's rotate-half RoPE layout and the
 * interleaved layout of GGUF and llama2.c, the permutation llama.cpp's converter applies to W_q
 * and W_k: within each head, interleaved row {@code 2i} is half-layout row {@code i} and
 * interleaved row {@code 2i+1} is half-layout row {@code i + headDim/2}.
 */
public final class RopePermutation {
    private RopePermutation() {
    }

    /** A copy of {@code m} ({@code heads * headDim} rows of {@code cols}) with rows moved from half to interleaved layout. */
    public static float[] halfToInterleaved(float[] m, int heads, int cols) {
        return permute(m, heads, cols, true);
    }

    /** The inverse of {@link #halfToInterleaved}. */
    public static float[] interleavedToHalf(float[] m, int heads, int cols) {
        return permute(m, heads, cols, false);
    }

    private static float[] permute(float[] m, int heads, int cols, boolean toInterleaved) {
        int rows = m.length / cols;
        int headDim = rows / heads;
        int half = headDim / 2;
        float[] out = new float[m.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int interleaved = h * headDim + 2 * i + j;
                    int halfRow = h * headDim + j * half + i;
                    int from = toInterleaved ? halfRow : interleaved;
                    int to = toInterleaved ? interleaved : halfRow;
                    System.arraycopy(m, from * cols, out, to * cols, cols);
                }
            }
        }
        return out;
    }
}
