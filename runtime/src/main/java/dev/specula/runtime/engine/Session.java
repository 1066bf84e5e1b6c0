package dev.specula.runtime.engine;

import dev.specula.runtime.SpeculaException;

/** One sequence being processed: its tokens so far and its attention state (KV cache). */
public final class Session implements TokenSequence {
    private final Attention attention;
    private final int[] tokens;
    private int length;

    Session(Attention attention) {
        this.attention = attention;
        this.tokens = new int[attention.capacity()];
    }

    public Attention attention() {
        return attention;
    }

    /** Number of tokens already in the KV cache (the position of the next token). */
    @Override
    public int position() {
        return length;
    }

    @Override
    public int capacity() {
        return tokens.length;
    }

    /** The tokens processed so far; the array is live, read only {@code [0, position())}. */
    @Override
    public int[] tokens() {
        return tokens;
    }

    void reserve(int count) {
        if (length + count > tokens.length) {
            throw new SpeculaException("sequence of " + (length + count) + " tokens exceeds the context length of "
                    + tokens.length + " (raise --context or shorten the prompt)");
        }
    }

    void append(int[] source, int offset, int count) {
        System.arraycopy(source, offset, tokens, length, count);
        length += count;
    }

    /** Forgets every token: the next token goes to position 0. */
    public void reset() {
        length = 0;
    }

    @Override
    public void close() {
        attention.close();
    }
}
