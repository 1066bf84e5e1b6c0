package dev.specula.runtime.generate;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.uncertainty.DistributionStats;

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
        return new Sequence(transformer.newSession(attention, contextLength), new DistributionStats(vocabSize()));
    }

    private final class Sequence extends SequenceDecoding {
        private final Session session;
        private final DistributionStats distribution;

        Sequence(Session session, DistributionStats distribution) {
            super(session, distribution);
            this.session = session;
            this.distribution = distribution;
        }

        @Override
        public float[] append(int[] tokens, int offset, int count) {
            float[] logits = transformer.forward(session, tokens, offset, count);
            distribution.observe(logits);
            return logits;
        }
    }
}
