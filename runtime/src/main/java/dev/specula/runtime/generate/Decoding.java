package dev.specula.runtime.generate;

import dev.specula.runtime.uncertainty.Alternative;
import dev.specula.runtime.uncertainty.TokenUncertainty;

/** One sequence being decoded; see {@link Decoder}. */
public interface Decoding extends AutoCloseable {

    /**
     * Appends {@code tokens[offset .. offset+count)} and returns the logits to sample the next token
     * from ({@code [0, vocab)}; the sampler may modify them). The untempered distribution is kept
     * for {@link #uncertainty} and {@link #top} until the next call.
     */
    float[] append(int[] tokens, int offset, int count);

    /** How sure the model was when choosing {@code token} from the latest distribution. */
    TokenUncertainty uncertainty(int token);

    /** The {@code n} most likely tokens of the latest distribution, most likely first. */
    Alternative[] top(int n);

    /** Tokens so far; live, read only {@code [0, position())}. */
    int[] tokens();

    int position();

    int capacity();

    @Override
    void close();
}
