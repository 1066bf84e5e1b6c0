package dev.specula.runtime.engine;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.RandomEnsemble;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.uncertainty.DistributionStats;
import dev.specula.runtime.uncertainty.EnsembleDistributionStats;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Run by {@link DecodeAllocationTest} in a JVM of its own, so that the JIT sees one model type, as in a
 * served process. Decodes rounds of tokens, single and as a four-member ensemble (logits observed as
 * generation does), each on the matrices an engine holds for it ({@link WeightLayout#interleavedFor}), until C2 has compiled the path and a round allocates no more than a limit per token,
 * or time runs out; prints the least heap allocated per token over a round, by all threads, for each.
 * Arguments: model file, seconds per mode, the limit in bytes per token.
 */
final class DecodeAllocationProbe {
    static final int ROUND = 32;

    private DecodeAllocationProbe() {
    }

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        long budgetNanos = Long.parseLong(args[1]) * 1_000_000_000L;
        long limit = Long.parseLong(args[2]);
        try (Model model = ModelLoader.load(file, null, false); ComputePool pool = new ComputePool(2)) {
            WeightLayout alone = WeightLayout.interleavedFor(false);
            Transformer single = new Transformer(model, pool, new DenseFeedForward(model, pool, ROUND, alone), ROUND,
                    alone);
            int vocab = model.config().vocabSize();
            try (Session s = single.newSession(CpuAttention.factory(pool), ROUND)) {
                DistributionStats stats = new DistributionStats(vocab);
                System.out.println("single " + leastPerToken(budgetNanos, limit, i -> {
                    if (i == 0) {
                        s.reset();
                    }
                    return single.forward(s, TOKENS, i, 1);
                }, stats::observe));
            }
            LoraEnsemble ensemble = RandomEnsemble.create(model, 4, 8, 16, EnumSet.allOf(LoraTarget.class), 7, 0.1);
            WeightLayout batched = WeightLayout.interleavedFor(true);
            Transformer base = new Transformer(model, pool, new DenseFeedForward(model, pool, ROUND, batched), ROUND,
                    batched);
            EnsembleTransformer members = new EnsembleTransformer(base, ensemble, pool);
            // the served default cache here, the exact one above
            try (EnsembleSession s = members.newSession(CpuAttention.factory(pool, KvCacheType.F16), ROUND)) {
                EnsembleDistributionStats stats = new EnsembleDistributionStats(vocab, ensemble.priors());
                System.out.println("ensemble " + leastPerToken(budgetNanos, limit, i -> {
                    if (i == 0) {
                        for (int k = 0; k < ensemble.size(); k++) {
                            s.member(k).reset();
                        }
                    }
                    return members.forward(s, TOKENS, i, 1);
                }, stats::observe));
            }
        }
    }

    private static final int[] TOKENS = new int[ROUND];

    static {
        for (int i = 0; i < ROUND; i++) {
            TOKENS[i] = 300 + (i * 37) % 200;
        }
    }

    /** Rounds of {@link #ROUND} tokens from position 0: {@code step} returns position i's logits, which go to {@code observe}. */
    private static long leastPerToken(long budgetNanos, long limit, IntFunction<float[]> step, Consumer<float[]> observe) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        long deadline = System.nanoTime() + budgetNanos;
        while (least > limit && System.nanoTime() < deadline) {
            long before = threads.getTotalThreadAllocatedBytes();
            for (int i = 0; i < ROUND; i++) {
                observe.accept(step.apply(i));
            }
            least = Math.min(least, (threads.getTotalThreadAllocatedBytes() - before) / ROUND);
        }
        return least;
    }
}
