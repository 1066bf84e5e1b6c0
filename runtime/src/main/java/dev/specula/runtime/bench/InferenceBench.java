package dev.specula.runtime.bench;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.VectorMath;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times prompt processing (one batched forward over random tokens) and decoding (one token per
 * forward, greedy) on a fresh session, after an untimed warm-up that lets the JIT compile the
 * kernels for both batch shapes. The warm-up repeats for at least {@value #WARMUP_MILLIS} ms: one
 * pass of a tiny model is over before C2 has compiled anything, and the first backend measured
 * would pay for the compilation that every later one profits from.
 */
public final class InferenceBench {

    /** Token ids below this are specials and byte tokens in Llama vocabularies. */
    private static final int FIRST_ORDINARY_TOKEN = 259;
    private static final int WARMUP_PROMPT = 32;
    private static final int WARMUP_DECODE = 4;
    private static final long WARMUP_MILLIS = 1000;

    /**
     * @param decoded the greedy tokens decoded after the prompt, to compare backends by
     * @param atEnd   the process's memory after decoding, the session and its KV cache still open (once the JIT
     *                is quiet, {@link ResidentMemory#settled}, where {@link #run} was asked to settle it)
     */
    public record Timing(int promptTokens, double promptSeconds, int genTokens, double decodeSeconds,
                         List<Integer> decoded, ResidentMemory atEnd) {

        public double promptTokensPerSecond() {
            return promptTokens / promptSeconds;
        }

        public double decodeTokensPerSecond() {
            return genTokens / decodeSeconds;
        }
    }

    private InferenceBench() {
    }

    /** Context the run needs: the prompt plus the generated tokens. */
    public static int contextFor(int promptTokens, int genTokens) {
        return Math.max(promptTokens + genTokens, WARMUP_PROMPT + WARMUP_DECODE);
    }

    /**
     * A warm-up, then one timed pass; {@code settleMemory} for a caller that reports the pass's memory, whose sample
     * then waits for the JIT to go quiet (several seconds).
     */
    public static Timing run(Transformer transformer, AttentionFactory attention, int promptTokens, int genTokens,
                             long seed, boolean settleMemory) {
        int context = contextFor(promptTokens, genTokens);
        int[] warmup = prompt(transformer, WARMUP_PROMPT, seed);
        long start = System.nanoTime();
        do {
            time(transformer, attention, context, warmup, WARMUP_DECODE, false);
        } while (System.nanoTime() - start < WARMUP_MILLIS * 1_000_000);
        return time(transformer, attention, context, prompt(transformer, promptTokens, seed), genTokens, settleMemory);
    }

    /** One more timed pass of what {@link #run} timed, without its warm-up. */
    public static Timing measure(Transformer transformer, AttentionFactory attention, int promptTokens, int genTokens,
                                 long seed) {
        return time(transformer, attention, contextFor(promptTokens, genTokens),
                prompt(transformer, promptTokens, seed), genTokens, false);
    }

    private static Timing time(Transformer transformer, AttentionFactory attention, int context, int[] prompt,
                               int genTokens, boolean settle) {
        int vocab = transformer.config().vocabSize();
        try (Session session = transformer.newSession(attention, context)) {
            long start = System.nanoTime();
            float[] logits = transformer.forward(session, prompt, 0, prompt.length);
            long prompted = System.nanoTime();
            int[] decoded = new int[genTokens];
            for (int i = 0; i < genTokens; i++) {
                decoded[i] = VectorMath.argmax(logits, 0, vocab);
                logits = transformer.forward(session, decoded, i, 1);
            }
            long done = System.nanoTime();
            return new Timing(prompt.length, (prompted - start) / 1e9, genTokens, (done - prompted) / 1e9,
                    Arrays.stream(decoded).boxed().toList(), settle ? ResidentMemory.settled() : ResidentMemory.sample());
        }
    }

    /** The prompt {@link #run} times: {@code n} seeded random tokens, past the specials and bytes where the vocabulary allows. */
    public static int[] prompt(Transformer transformer, int n, long seed) {
        int vocab = transformer.config().vocabSize();
        int first = vocab > 2 * FIRST_ORDINARY_TOKEN ? FIRST_ORDINARY_TOKEN : 0;
        return new SplittableRandom(seed).ints(n, first, vocab).toArray();
    }
}
