package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.bench.BenchResult;
import dev.specula.runtime.bench.FmaPeak;
import dev.specula.runtime.bench.InferenceBench;
import dev.specula.runtime.bench.MemoryBandwidth;
import dev.specula.runtime.bench.ModelCost;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Measures prompt and decode speed against this machine's limits, measured in the same run: memory
 * bandwidth (the decode roofline) and the cores' FMA peak. Each backend contributes one row.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark prompt processing and decoding against the measured memory bandwidth and FMA peak.")
public final class BenchCommand implements Callable<Integer> {
    private static final int BANDWIDTH_PASSES = 5;
    private static final int PEAK_ITERATIONS = 20_000_000;
    private static final int PEAK_PASSES = 3;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "Model file, folder or name in the models directory.")
    String model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--prompt-tokens", defaultValue = "128", paramLabel = "P",
            description = "Prompt length, processed in batches. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "32", paramLabel = "G",
            description = "Tokens decoded one at a time after the prompt. Default: ${DEFAULT-VALUE}.")
    int genTokens;

    @Option(names = "--bandwidth-mib", defaultValue = "512", paramLabel = "MiB",
            description = "Buffer streamed to measure memory bandwidth (well above the caches). Default: ${DEFAULT-VALUE}.")
    int bandwidthMib;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompt. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        int n = threads == null ? ComputePool.defaultThreads() : threads;
        if (n < 1 || promptTokens < 1 || genTokens < 1 || bandwidthMib < 1) {
            throw new SpeculaException("--threads, --prompt-tokens, --gen-tokens and --bandwidth-mib must be >= 1");
        }
        List<BenchResult> rows = new ArrayList<>();
        Model m = ModelLoader.load(ModelLocator.resolve(model), null);
        int context = InferenceBench.contextFor(promptTokens, genTokens);
        if (context > m.config().contextLength()) {
            m.close();
            throw new SpeculaException("--prompt-tokens + --gen-tokens = " + context + " exceeds the model's context of "
                    + m.config().contextLength());
        }
        try (Engine engine = Engine.cpu(m, n, context)) {
            rows.add(cpu(engine, n));
        }
        if (json) {
            BenchReport.json(System.out, rows);
        } else {
            BenchReport.table(System.out, rows);
        }
        return 0;
    }

    private BenchResult cpu(Engine engine, int n) {
        ComputePool pool = engine.pool();
        System.err.printf(Locale.ROOT, "[bench] cpu, %d threads: memory bandwidth...%n", n);
        double bandwidth = MemoryBandwidth.measure(pool, (long) bandwidthMib << 20, BANDWIDTH_PASSES);
        System.err.printf(Locale.ROOT, "[bench] FMA peak...%n");
        double peak = FmaPeak.measure(pool, PEAK_ITERATIONS, PEAK_PASSES);
        System.err.printf(Locale.ROOT, "[bench] %d prompt tokens, %d decoded...%n", promptTokens, genTokens);
        InferenceBench.Timing t = InferenceBench.run(engine.transformer(), engine.attention(), promptTokens, genTokens,
                seed);
        ModelCost cost = ModelCost.of(engine.model());
        return new BenchResult("cpu", engine.model().source().getFileName().toString(), n, t.promptTokens(),
                t.promptTokensPerSecond(), t.genTokens(), t.decodeTokensPerSecond(), cost.weightBytesPerToken(),
                cost.flopsPerToken(), bandwidth, peak);
    }
}
