package dev.specula.runtime.eval;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.runtime.uncertainty.LogSpace;

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

    /**
     * @param maxChunks stop after this many windows (0: the whole text)
     * @param progress  told the number of windows done after each one
     */
    public static PerplexityResult compute(Transformer transformer, Tokenizer tokenizer, AttentionFactory attention,
                                           String text, int context, int maxChunks, IntConsumer progress) {
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
        int vocab = transformer.config().vocabSize();
        double[] nll = new double[1];
        long[] scored = new long[1];
        int[] window = new int[context];
        for (int c = 0; c < chunks; c++) {
            int from = c * perChunk;
            int n = Math.min(perChunk, tokens.length - from);
            int len = 0;
            if (bos) {
                window[len++] = tokenizer.bos();
            }
            System.arraycopy(tokens, from, window, len, n);
            len += n;
            if (len < 2) {
                continue;
            }
            int windowLength = len;
            try (Session session = transformer.newSession(attention, context)) {
                transformer.forward(session, window, 0, windowLength, (index, logits, offset) -> {
                    if (index + 1 < windowLength) {
                        nll[0] += negativeLogLikelihood(logits, offset, vocab, window[index + 1]);
                        scored[0]++;
                    }
                });
            }
            progress.accept(c + 1);
        }
        if (scored[0] == 0) {
            throw new SpeculaException("the text is too short to score: it has " + tokens.length + " tokens");
        }
        double mean = nll[0] / scored[0];
        return new PerplexityResult(Math.exp(mean), mean, scored[0], chunks);
    }

    /** -log softmax(logits)[target], computed stably in double precision. */
    static double negativeLogLikelihood(float[] logits, int offset, int n, int target) {
        return LogSpace.logSumExp(logits, offset, n) - logits[offset + target];
    }
}
