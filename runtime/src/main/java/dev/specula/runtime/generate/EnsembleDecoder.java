package dev.specula.runtime.generate;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.EnsembleSession;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.uncertainty.EnsembleDistributionStats;

/**
 * A LoRA ensemble: every member follows the same tokens, and tokens are sampled from the mixture
 * {@code sum_k pi_k p_k}, whose log-probabilities serve as the sampler's logits.
 */
public final class EnsembleDecoder implements Decoder {
    private final EnsembleTransformer transformer;
    private final AttentionFactory attention;

    public EnsembleDecoder(EnsembleTransformer transformer, AttentionFactory attention) {
        this.transformer = transformer;
        this.attention = attention;
    }

    @Override
    public int vocabSize() {
        return transformer.config().vocabSize();
    }

    @Override
    public double[] priors() {
        return transformer.ensemble().priors();
    }

    @Override
    public Decoding open(int contextLength) {
        return new Sequence(transformer.newSession(attention, contextLength),
                new EnsembleDistributionStats(vocabSize(), priors()));
    }

    private final class Sequence extends SequenceDecoding {
        private final EnsembleSession session;
        private final EnsembleDistributionStats distribution;
        private final float[] samplerLogits = new float[vocabSize()];

        Sequence(EnsembleSession session, EnsembleDistributionStats distribution) {
            super(session, distribution);
            this.session = session;
            this.distribution = distribution;
        }

        @Override
        public float[] append(int[] tokens, int offset, int count) {
            distribution.observe(transformer.forward(session, tokens, offset, count));
            System.arraycopy(distribution.mixtureLogProbs(), 0, samplerLogits, 0, samplerLogits.length);
            return samplerLogits;
        }
    }
}
