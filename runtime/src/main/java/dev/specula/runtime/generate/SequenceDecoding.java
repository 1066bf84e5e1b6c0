package dev.specula.runtime.generate;

import dev.specula.runtime.engine.TokenSequence;
import dev.specula.runtime.uncertainty.Alternative;
import dev.specula.runtime.uncertainty.NextTokenStats;
import dev.specula.runtime.uncertainty.TokenUncertainty;

/** A {@link Decoding} over a token sequence and the statistics of its latest distribution; subclasses append. */
abstract class SequenceDecoding implements Decoding {
    private final TokenSequence sequence;
    private final NextTokenStats stats;

    SequenceDecoding(TokenSequence sequence, NextTokenStats stats) {
        this.sequence = sequence;
        this.stats = stats;
    }

    @Override
    public TokenUncertainty uncertainty(int token) {
        return stats.uncertainty(token);
    }

    @Override
    public Alternative[] top(int n) {
        return stats.top(n);
    }

    @Override
    public int[] tokens() {
        return sequence.tokens();
    }

    @Override
    public int position() {
        return sequence.position();
    }

    @Override
    public int capacity() {
        return sequence.capacity();
    }

    @Override
    public void close() {
        sequence.close();
    }
}
