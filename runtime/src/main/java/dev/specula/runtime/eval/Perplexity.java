package dev.specula.runtime.eval;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.runtime.uncertainty.LogSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Per-token perplexity of a text. The text is tokenized once and cut into consecutive windows
 * of {@code context} positions; each window starts a fresh sequence (with BOS when the vocabulary
 * uses one) and every next-token prediction inside it is scored. Numbers depend on this chunking,
 * so compare models and formats with the same procedure.
 */
public final class Perplexity {
    private Perplexity() {
    }

    /** Scores one window: {@code window[0 .. length)}, at least two tokens. */
    @FunctionalInterface
    private interface WindowScorer {
        void score(int[] window, int length);
    }

    /** Negative log-likelihoods summed over the predictions scored so far. */
    private static final class NllSum {
        private double sum;
        private long count;

        void add(double nll) {
            sum += nll;
            count++;
        }

        PerplexityResult result(int chunks) {
            double mean = sum / count;
            return new PerplexityResult(Math.exp(mean), mean, count, chunks);
        }
    }

    /**
     * @param maxChunks stop after this many windows (0: the whole text)
     * @param progress  told the number of windows done after each one
     */
    public static PerplexityResult compute(Transformer transformer, Tokenizer tokenizer, AttentionFactory attention,
                                           String text, int context, int maxChunks, IntConsumer progress) {
        int vocab = transformer.config().vocabSize();
        NllSum nll = new NllSum();
        int chunks = forEachWindow(tokenizer, text, context, maxChunks, progress, (window, length) -> {
            try (Session session = transformer.newSession(attention, context)) {
                transformer.forward(session, window, 0, length, (index, logits, offset) -> {
                    if (index + 1 < length) {
                        nll.add(negativeLogLikelihood(logits, offset, vocab, window[index + 1]));
                    }
                });
            }
        });
        return nll.result(chunks);
    }

    /**
     * The perplexity of an ensemble's mixture, which scores each token by {@code log sum_k pi_k p_k}, the
     * distribution generation samples from, and of each member alone, on the same windows. Members run
     * one after the other through one KV cache.
     */
    public static EnsemblePerplexityResult compute(EnsembleTransformer ensemble, Tokenizer tokenizer,
                                                   AttentionFactory attention, String text, int context,
                                                   int maxChunks, IntConsumer progress) {
        int members = ensemble.members();
        int vocab = ensemble.config().vocabSize();
        double[] logPriors = new double[members];
        NllSum mixture = new NllSum();
        NllSum[] member = new NllSum[members];
        for (int k = 0; k < members; k++) {
            logPriors[k] = Math.log(ensemble.ensemble().priors()[k]);
            member[k] = new NllSum();
        }
        double[][] logProb = new double[members][context]; // member k's log p(next token) after position i
        double[] joint = new double[members];
        int chunks = forEachWindow(tokenizer, text, context, maxChunks, progress, (window, length) -> {
            try (Session session = ensemble.newMemberSession(attention, context)) {
                for (int k = 0; k < members; k++) {
                    double[] target = logProb[k];
                    session.reset();
                    ensemble.forwardMember(k, session, window, 0, length, (index, logits, offset) -> {
                        if (index + 1 < length) {
                            target[index] = -negativeLogLikelihood(logits, offset, vocab, window[index + 1]);
                        }
                    });
                }
            }
            for (int i = 0; i + 1 < length; i++) {
                for (int k = 0; k < members; k++) {
                    member[k].add(-logProb[k][i]);
                    joint[k] = logPriors[k] + logProb[k][i];
                }
                mixture.add(-LogSpace.logSumExp(joint));
            }
        });
        List<PerplexityResult> each = new ArrayList<>(members);
        for (NllSum m : member) {
            each.add(m.result(chunks));
        }
        return new EnsemblePerplexityResult(mixture.result(chunks), each);
    }

    /** Cuts the text into windows and scores each; returns the number of windows. */
    private static int forEachWindow(Tokenizer tokenizer, String text, int context, int maxChunks,
                                     IntConsumer progress, WindowScorer scorer) {
        if (context < 2) {
            throw new SpeculaException("invalid context " + context + ": must be at least 2");
        }
        int[] tokens = tokenizer.encode(text);
        boolean bos = tokenizer.addBos() && tokenizer.bos() >= 0;
        int perChunk = bos ? context - 1 : context;
        int chunks = (tokens.length + perChunk - 1) / perChunk;
        if (maxChunks > 0) {
            chunks = Math.min(chunks, maxChunks);
        }
        int[] window = new int[context];
        boolean scored = false;
        for (int c = 0; c < chunks; c++) {
            int from = c * perChunk;
            int n = Math.min(perChunk, tokens.length - from);
            int len = 0;
            if (bos) {
                window[len++] = tokenizer.bos();
            }
            System.arraycopy(tokens, from, window, len, n);
            len += n;
            if (len >= 2) {
                scorer.score(window, len);
                scored = true;
            }
            progress.accept(c + 1);
        }
        if (!scored) {
            throw new SpeculaException("the text is too short to score: it has " + tokens.length + " tokens");
        }
        return chunks;
    }

    /** -log softmax(logits)[target], computed stably in double precision. */
    static double negativeLogLikelihood(float[] logits, int offset, int n, int target) {
        return LogSpace.logSumExp(logits, offset, n) - logits[offset + target];
    }
}
