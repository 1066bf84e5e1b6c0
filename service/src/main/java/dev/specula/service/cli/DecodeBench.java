package dev.specula.service.cli;

import dev.specula.devices.HostMemory;
import dev.specula.offload.FlashModel;
import dev.specula.offload.FlashStats;
import dev.specula.offload.MemoryPlan;
import dev.specula.offload.OffloadSetup;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.FeedForward;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.service.EngineSettings;

import java.nio.file.Path;

/**
 * Greedy decode timing shared by {@code offload-bench} and the budget sweep: the prompt is
 * prefilled untimed, then {@code tokens} tokens are decoded one at a time and timed.
 */
final class DecodeBench {
    /** The benchmarks' context: enough for a prompt and a few hundred tokens, a small KV cache. */
    private static final int CONTEXT = 256;
    private static final int BATCH = 32;
    /** The cache {@code generate} uses by default, so a budget's split here is the one it would get. */
    private static final KvCacheType KV_CACHE = EngineSettings.kvCacheType(EngineSettings.DEFAULT_KV_CACHE);

    private final ComputePool pool;
    private final String prompt;
    private final int tokens;

    DecodeBench(ComputePool pool, String prompt, int tokens) {
        if (tokens < 1) {
            throw new SpeculaException("invalid --tokens " + tokens + ": must be >= 1");
        }
        this.pool = pool;
        this.prompt = prompt;
        this.tokens = tokens;
    }

    /** A flash run: decode speed, what the feed-forward did while decoding, the memory plan and the process's RSS at the end. */
    record FlashRun(double tokensPerSecond, FlashStats decode, MemoryPlan plan, long rssBytes) {
    }

    static int contextFor(Model m) {
        return Math.min(m.config().contextLength(), CONTEXT);
    }

    /** Decode tokens per second of {@code m} with {@code ff}. */
    double decode(Model m, FeedForward ff) {
        return decode(m, ff, () -> { }, () -> { });
    }

    /** Opens {@code flash}, builds {@code setup} under its plan and decodes; the plan may refuse the budget. */
    FlashRun flash(Path flash, OffloadSetup setup) {
        try (FlashModel fm = FlashModel.open(flash, true, true)) {
            OffloadSetup.Built built = setup.build(fm, pool, contextFor(fm.model()), BATCH, KV_CACHE);
            try (var ff = built.feedForward()) {
                FlashStats[] marks = new FlashStats[2];
                double rate = decode(fm.model(), ff, () -> marks[0] = ff.stats(), () -> marks[1] = ff.stats());
                return new FlashRun(rate, marks[1].since(marks[0]), built.plan(), HostMemory.read().rssBytes());
            }
        }
    }

    /** The memory plan {@link #flash} would run {@code setup} under. */
    static MemoryPlan plan(Path flash, OffloadSetup setup) {
        try (FlashModel fm = FlashModel.open(flash, false, false)) {
            return setup.plan(fm, contextFor(fm.model()), BATCH, KV_CACHE);
        }
    }

    private double decode(Model m, FeedForward ff, Runnable start, Runnable end) {
        Transformer tr = new Transformer(m, pool, ff, BATCH);
        Tokenizer tokenizer = m.tokenizer();
        int[] encoded = tokenizer.encode(prompt);
        int[] input = new int[encoded.length + 1];
        input[0] = tokenizer.bos() >= 0 ? tokenizer.bos() : encoded[0];
        System.arraycopy(encoded, 0, input, 1, encoded.length);
        int context = contextFor(m);
        if (input.length + tokens > context) {
            throw new SpeculaException("prompt and --tokens exceed the benchmark context of " + context);
        }
        try (Session s = tr.newSession(CpuAttention.factory(pool, KV_CACHE), context)) {
            float[] logits = tr.forward(s, input, 0, input.length);
            int[] one = new int[1];
            start.run();
            long t0 = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                one[0] = VectorMath.argmax(logits, 0, m.config().vocabSize());
                logits = tr.forward(s, one, 0, 1);
            }
            long t1 = System.nanoTime();
            end.run();
            return tokens / ((t1 - t0) / 1e9);
        }
    }
}
