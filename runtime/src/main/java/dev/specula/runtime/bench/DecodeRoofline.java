package dev.specula.runtime.bench;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.VectorMath;

/**
 * Decode against reading its own weights: tokens decoded one at a time, each followed by a {@link WeightStream} pass
 * over the matrices it multiplied, so the two take turns and see the machine alike (on a shared machine both swing
 * together, by 30% and more from run to run here). On a quiet machine the plain pass is what decode can hope for,
 * and {@link #percent} how close it came; where other tenants hold the memory both are bound by what they leave,
 * and decode can match or pass the read. {@link MemoryBandwidth}'s figure, the best of short passes over one
 * buffer, is the machine's peak.
 *
 * @param streamBytes the bytes a pass read: the matrices' storage
 */
public record DecodeRoofline(int tokens, long streamBytes, double medianTokenSeconds, double bestTokenSeconds,
                             double medianPassSeconds, double bestPassSeconds) {

    /**
     * Untimed passes first, at least this many and for at least {@link #WARMUP_NANOS}, so the timed ones run
     * compiled: a small model's pass is over in microseconds, and two of them had left the read interpreted
     * (stories260K: 0.3 GB/s).
     */
    private static final int WARMUP_PASSES = 2;
    private static final long WARMUP_NANOS = 250_000_000;

    /**
     * {@code tokens} greedy decode steps after {@link InferenceBench}'s prompt of {@code promptTokens} (so at the
     * positions its decode timed), each followed by a pass of {@code stream}.
     */
    public static DecodeRoofline measure(Transformer transformer, AttentionFactory attention, WeightStream stream,
                                         int promptTokens, int tokens, long seed) {
        if (tokens < 1) {
            throw new IllegalArgumentException("at least one token, got " + tokens);
        }
        long warmup = System.nanoTime();
        for (int p = 0; p < WARMUP_PASSES || System.nanoTime() - warmup < WARMUP_NANOS; p++) {
            stream.pass();
        }
        int vocab = transformer.config().vocabSize();
        double[] token = new double[tokens];
        double[] pass = new double[tokens];
        try (Session session = transformer.newSession(attention, InferenceBench.contextFor(promptTokens, tokens))) {
            int[] prompt = InferenceBench.prompt(transformer, promptTokens, seed);
            float[] logits = transformer.forward(session, prompt, 0, prompt.length);
            int[] next = new int[1];
            for (int i = 0; i < tokens; i++) {
                next[0] = VectorMath.argmax(logits, 0, vocab);
                long start = System.nanoTime();
                logits = transformer.forward(session, next, 0, 1);
                token[i] = (System.nanoTime() - start) / 1e9;
                pass[i] = stream.pass();
            }
        }
        return new DecodeRoofline(tokens, stream.bytes(), Samples.median(token), Samples.min(token),
                Samples.median(pass), Samples.min(pass));
    }

    /** How fast decode ran as a percentage of the weight stream's speed, median token against median pass. */
    public double percent() {
        return 100 * medianPassSeconds / medianTokenSeconds;
    }

    /** As {@link #percent}, best token against best pass. */
    public double bestPercent() {
        return 100 * bestPassSeconds / bestTokenSeconds;
    }

    /** Bytes per second the median pass read. */
    public double streamBytesPerSecond() {
        return streamBytes / medianPassSeconds;
    }
}
