package dev.specula.runtime.uncertainty;

/** The uncertainty of the latest next-token distribution seen by a decoder. */
public interface NextTokenStats {

    /** How sure the model was when choosing {@code token}. */
    TokenUncertainty uncertainty(int token);

    /** The {@code n} most likely tokens, most likely first. */
    Alternative[] top(int n);
}
