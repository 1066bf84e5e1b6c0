package dev.specula.runtime.generate;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.uncertainty.Alternative;
import dev.specula.runtime.uncertainty.DistributionStats;
import dev.specula.runtime.uncertainty.TokenUncertainty;

/** A single model: its logits are sampled directly. */
public final class ModelDecoder implements Decoder {
    private final Transformer transformer;
    private final AttentionFactory attention;

    public ModelDecoder(Transformer transformer, AttentionFactory attention) {
        this.transformer = transformer;
        this.attention = attention;
    }

    @Override
    public int vocabSize() {
        return transformer.config().vocabSize();
    }

    @Override
    public double[] priors() {
        return new double[]{1};
    }

    @Override
    public Decoding open(int contextLength) {
        return new Sequence(transformer.newSession(attention, contextLength));
    }

    private final class Sequence implements Decoding {
        private final Session session;
        private final DistributionStats distribution = new DistributionStats(vocabSize());

        Sequence(Session session) {
            this.session = session;
        }

        @Override
        public float[] append(int[] tokens, int offset, int count) {
            float[] logits = transformer.forward(session, tokens, offset, count);
            distribution.observe(logits);
            return logits;
        }

        @Override
        public TokenUncertainty uncertainty(int token) {
            return distribution.uncertainty(token);
        }

        @Override
        public Alternative[] top(int n) {
            return distribution.top(n);
        }

        @Override
        public int[] tokens() {
            return session.tokens();
        }

        @Override
        public int position() {
            return session.position();
        }

        @Override
        public int capacity() {
            return session.capacity();
        }

        @Override
        public void close() {
            session.close();
        }
    }
}
