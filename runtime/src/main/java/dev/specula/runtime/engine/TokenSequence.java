package dev.specula.runtime.engine;

/** The tokens of a sequence in progress and the attention state behind them. */
public interface TokenSequence extends AutoCloseable {

    /** Tokens processed so far; live, read only {@code [0, position())}. */
    int[] tokens();

    /** Number of tokens processed (the position of the next token). */
    int position();

    /** Positions the attention state can hold. */
    int capacity();

    @Override
    void close();
}
