package dev.specula.runtime.engine;

import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;

import java.util.ArrayList;
import java.util.List;

/**
 * Decode throughput of a LoRA ensemble against its base: the base model alone, the K members
 * batched (one pass over the base weights per token), and the naive way, K separate
 * single-adapter passes per token. Measures the forward pass only (no sampling or statistics),
 * best of {@code rounds} after a warm-up, all on the same transformer, so the ratios are fair
 * even on a noisy machine.
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
        Runnable single = () -> {
            try (Session s = base.newSession(attention, tokens)) {
                for (int i = 0; i < tokens; i++) {
                    base.forward(s, sequence, i, 1);
                }
            }
        };
        Runnable together = () -> {
            try (EnsembleSession s = batched.newSession(attention, tokens)) {
                for (int i = 0; i < tokens; i++) {
                    batched.forward(s, sequence, i, 1);
                }
            }
        };
        Runnable naive = () -> {
            List<EnsembleSession> sessions = new ArrayList<>();
            try {
                for (EnsembleTransformer t : separate) {
                    sessions.add(t.newSession(attention, tokens));
                }
                for (int i = 0; i < tokens; i++) {
                    for (int k = 0; k < separate.size(); k++) {
                        separate.get(k).forward(sessions.get(k), sequence, i, 1);
                    }
                }
            } finally {
                sessions.forEach(EnsembleSession::close);
            }
        };
        // Warm-up: let the JIT compile every path before anything is timed.
        single.run();
        together.run();
        naive.run();
        double singleBest = 0;
        double togetherBest = 0;
        double naiveBest = 0;
        for (int r = 0; r < rounds; r++) {
            singleBest = Math.max(singleBest, tokensPerSecond(single, tokens));
            togetherBest = Math.max(togetherBest, tokensPerSecond(together, tokens));
            naiveBest = Math.max(naiveBest, tokensPerSecond(naive, tokens));
        }
        return new EnsembleBenchmark(members, tokens, singleBest, togetherBest, naiveBest);
    }

    private static double tokensPerSecond(Runnable decode, int tokens) {
        long start = System.nanoTime();
        decode.run();
        return tokens / ((System.nanoTime() - start) / 1e9);
    }
}
