package dev.specula.runtime.bench;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.EnsembleDeltaFactory;
import dev.specula.runtime.engine.EnsembleSession;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode throughput of a LoRA ensemble against its base: the base model alone, the K members
 * batched (one pass over the base weights per token), and the naive way, K separate
 * single-adapter passes per token. Measures the forward pass only (no sampling or statistics), all
 * on the same transformer, the base and the batched members taking turns token by token; each
 * figure is the median token of {@code rounds} runs over the sequence after an untimed one.
 *
 * @param members           K
 * @param tokens            tokens decoded per measurement
 * @param singleTokensPerS  base model alone
 * @param ensembleTokensPerS all K members batched
 * @param naiveTokensPerS   K separate passes per token
 */
public record EnsembleBenchmark(int members, int tokens, double singleTokensPerS, double ensembleTokensPerS,
                                double naiveTokensPerS) {

    public double ensembleRatio() {
        return ensembleTokensPerS / singleTokensPerS;
    }

    public double naiveRatio() {
        return naiveTokensPerS / singleTokensPerS;
    }

    public static EnsembleBenchmark run(Transformer base, LoraEnsemble ensemble, AttentionFactory attention,
                                        ComputePool pool, int tokens, int rounds) {
        return run(base, ensemble, attention, EnsembleDeltaFactory.CPU, pool, tokens, rounds);
    }

    /** As {@link #run(Transformer, LoraEnsemble, AttentionFactory, ComputePool, int, int)}, the updates computed by {@code deltas}. */
    public static EnsembleBenchmark run(Transformer base, LoraEnsemble ensemble, AttentionFactory attention,
                                        EnsembleDeltaFactory deltas, ComputePool pool, int tokens, int rounds) {
        if (tokens < 1 || rounds < 1) {
            throw new IllegalArgumentException("tokens and rounds must be positive, got " + tokens + " and " + rounds);
        }
        int vocab = base.config().vocabSize();
        int[] sequence = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            sequence[i] = (int) ((i * 7919L + 1) % vocab);
        }
        EnsembleTransformer batched = new EnsembleTransformer(base, ensemble, pool, deltas);
        List<EnsembleTransformer> separate = new ArrayList<>();
        try {
            for (int k = 0; k < ensemble.size(); k++) {
                separate.add(new EnsembleTransformer(base, LoraEnsemble.uniform(List.of(ensemble.member(k)), ""), pool,
                        deltas));
            }
            return measure(base, ensemble.size(), batched, separate, attention, sequence, rounds);
        } finally {
            batched.deltas().close();
            separate.forEach(t -> t.deltas().close());
        }
    }

    private static EnsembleBenchmark measure(Transformer base, int members, EnsembleTransformer batched,
                                             List<EnsembleTransformer> separate, AttentionFactory attention,
                                             int[] sequence, int rounds) {
        int tokens = sequence.length;
        double[] single = new double[rounds * tokens];
        double[] together = new double[rounds * tokens];
        double[] naive = new double[rounds * tokens];
        // The first round compiles every path and is not timed.
        for (int r = -1; r < rounds; r++) {
            int at = Math.max(r, 0) * tokens;
            inTurns(base, batched, attention, sequence, single, together, at);
            separately(separate, attention, sequence, naive, at);
        }
        return new EnsembleBenchmark(members, tokens, 1 / Samples.median(single), 1 / Samples.median(together),
                1 / Samples.median(naive));
    }

    /**
     * The base model's token and the batched members' token for each position in turn, seconds to {@code single[at +
     * i]} and {@code together[at + i]}: the ratio then compares tokens timed moments apart, not runs seconds apart,
     * on machines whose speed swings by a third from one run to the next (best-of-rounds runs of one build had put
     * the ensemble anywhere from 0.50x to 0.87x of the base).
     */
    private static void inTurns(Transformer base, EnsembleTransformer batched, AttentionFactory attention,
                                int[] sequence, double[] single, double[] together, int at) {
        try (Session alone = base.newSession(attention, sequence.length);
             EnsembleSession members = batched.newSession(attention, sequence.length)) {
            for (int i = 0; i < sequence.length; i++) {
                long start = System.nanoTime();
                base.forward(alone, sequence, i, 1);
                long middle = System.nanoTime();
                batched.forward(members, sequence, i, 1);
                single[at + i] = (middle - start) / 1e9;
                together[at + i] = (System.nanoTime() - middle) / 1e9;
            }
        }
    }

    /**
     * The K single-adapter passes per position, seconds to {@code naive[at + i]}; on their own, so no more caches
     * are open at once than the batched members hold plus one.
     */
    private static void separately(List<EnsembleTransformer> separate, AttentionFactory attention, int[] sequence,
                                   double[] naive, int at) {
        List<EnsembleSession> sessions = new ArrayList<>();
        try {
            for (EnsembleTransformer t : separate) {
                sessions.add(t.newSession(attention, sequence.length));
            }
            for (int i = 0; i < sequence.length; i++) {
                long start = System.nanoTime();
                for (int k = 0; k < separate.size(); k++) {
                    separate.get(k).forward(sessions.get(k), sequence, i, 1);
                }
                naive[at + i] = (System.nanoTime() - start) / 1e9;
            }
        } finally {
            sessions.forEach(EnsembleSession::close);
        }
    }
}
