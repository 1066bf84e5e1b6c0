package dev.specula.runtime.generate;

/**
 * What generation needs from a model: sequences that turn tokens into a next-token distribution
 * with its uncertainty. A plain model ({@link ModelDecoder}) and a LoRA ensemble ({@link EnsembleDecoder})
 * differ only here, so {@link Generator}'s loop is shared.
 */
public interface Decoder {

    int vocabSize();

    /** Prior weight of each member; {@code {1}} for a single model. */
    double[] priors();

    /** A new, empty sequence holding up to {@code contextLength} tokens. */
    Decoding open(int contextLength);
}
