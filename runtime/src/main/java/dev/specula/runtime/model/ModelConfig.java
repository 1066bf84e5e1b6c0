package dev.specula.runtime.model;

/**
 * Hyper-parameters of a Llama-family decoder, whatever file format they came from.
 *
 * @param dim           embedding width
 * @param hiddenDim     feed-forward width (number of FFN neurons)
 * @param layers        number of transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (== heads: MHA; 1: MQA; otherwise GQA)
 * @param vocabSize     rows of the embedding table
 * @param contextLength maximum sequence length the model was trained for
 * @param rmsNormEps    epsilon inside RMSNorm
 * @param ropeTheta     RoPE base frequency
 * @param ropeStyle     pairing of rotated dimensions
 */
public record ModelConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                          int contextLength, float rmsNormEps, float ropeTheta, RopeStyle ropeStyle) {

    public ModelConfig {
        positive("dim", dim);
        positive("hiddenDim", hiddenDim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("vocabSize", vocabSize);
        positive("contextLength", contextLength);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
        if (headDim(dim, heads) % 2 != 0) {
            throw new IllegalArgumentException("head size " + headDim(dim, heads) + " must be even for RoPE");
        }
    }

    private static int headDim(int dim, int heads) {
        return dim / heads;
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    public int headDim() {
        return headDim(dim, heads);
    }

    /** Width of the key and value projections. */
    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Query heads sharing one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    public ModelConfig withContextLength(int length) {
        return new ModelConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, length, rmsNormEps, ropeTheta, ropeStyle);
    }
}
