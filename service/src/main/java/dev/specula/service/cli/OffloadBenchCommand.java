package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.StorageThrottle;
import dev.specula.offload.FlashModel;
import dev.specula.offload.FlashStats;
import dev.specula.offload.OffloadSetup;
import dev.specula.offload.PredictorKind;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;
import dev.specula.service.FlashSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Greedy decode speed of a dense model (mapped through the page cache) against its flash layout at
 * several sparsities, in one process so the ratios are comparable on a noisy machine; with
 * {@code --sweep-budget}, the {@link BudgetSweep} of ours against naive loading over memory budgets.
 */
@Command(name = "offload-bench", mixinStandardHelpOptions = true,
        description = "Compare greedy decode of a dense GGUF model (mmap, page cache) with its .specula flash layout "
                + "at several sparsities: tok/s, ratio to dense, flash bytes and reads per token, cache hit rate, "
                + "I/O and compute time per token. With --sweep-budget: throughput under memory limits, ours (predictor + "
                + "sliding window) against naive loading (every neuron, what does not fit re-read per token) at each "
                + "budget, written as a report (sweep.json, sweep.md, sweep-tokps.svg, sweep-bytes.svg).")
public final class OffloadBenchCommand implements Callable<Integer> {

    @Option(names = "--dense", required = true, paramLabel = "MODEL", description = "The dense GGUF model.")
    String dense;

    @Option(names = "--flash", required = true, paramLabel = "FILE", description = "Its .specula conversion.")
    String flash;

    @Option(names = "--sparsity", split = ",", paramLabel = "S[,S...]",
            description = "Sparsities to run (calibrated settings of the file; 0 reads every neuron). Default: "
                    + "0,0.5,0.8; with --sweep-budget one sparsity above 0, default 0.8.")
    List<Double> sparsities;

    @Option(names = "--predictor", defaultValue = "low-rank", paramLabel = "low-rank|gate",
            description = "Predictor for sparsities above 0 (default: ${DEFAULT-VALUE}).")
    String predictor;

    @Option(names = "--window", defaultValue = "0", paramLabel = "K", description = "Window of tokens; 0 keeps neurons while there is room (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--memory-budget", paramLabel = "SIZE|PERCENT", description = "Memory budget for the flash runs.")
    String memoryBudget;

    @Option(names = "--sweep-budget", split = ",", paramLabel = "B[,B...]",
            description = "Sweep these memory budgets. A percentage (25%%) is memory for weights (resident weights, "
                    + "predictor, neuron caches) as a share of the dense model's total weight bytes, with the KV cache "
                    + "and buffers on top (as in the paper); a size (64MiB) is the whole budget, as --memory-budget. "
                    + "At each, run ours and the naive baseline; a budget too small is reported as not fitting.")
    List<String> sweepBudgets;

    @Option(names = "--report-dir", defaultValue = "specula-report", paramLabel = "DIR",
            description = "Where --sweep-budget writes its report (default: ${DEFAULT-VALUE}).")
    java.nio.file.Path reportDir;

    @Option(names = "--device", paramLabel = "PROFILE", description = "Pace flash reads to a device profile.")
    String device;

    @Option(names = "--page-cache", description = "Also run each sparsity reading neurons through the page cache (mmap).")
    boolean pageCache;

    @Option(names = {"-n", "--tokens"}, defaultValue = "32", paramLabel = "N", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = {"-p", "--prompt"}, defaultValue = "Once upon a time", description = "Prompt (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        if (sweepBudgets != null) {
            return sweep();
        }
        var flashPath = ModelLocator.resolve(flash);
        if (!FlashModel.isFlashFile(flashPath)) {
            throw new SpeculaException(flashPath + ": not a .specula flash layout file");
        }
        long budget = memoryBudget == null ? 0 : FlashSettings.budgetBytes(memoryBudget);
        try (ComputePool pool = new ComputePool(threads == null ? ComputePool.defaultThreads() : threads)) {
            DecodeBench bench = new DecodeBench(pool, prompt, tokens);
            System.out.println("mode            sparsity   tok/s  vs dense  KiB/token  reads/token  hit rate  io ms/tok  ffn ms/tok  RSS");
            double denseRate;
            try (Model m = ModelLoader.load(ModelLocator.resolve(dense), null, true)) {
                denseRate = bench.decode(m, new DenseFeedForward(m, pool, 32));
            }
            System.out.printf(Locale.ROOT, "%-15s %8s  %6.2f  %8s%n", "dense (mmap)", "-", denseRate, "1.00x");
            for (double s : sparsities == null ? List.of(0.0, 0.5, 0.8) : sparsities) {
                for (boolean cached : pageCache ? new boolean[]{false, true} : new boolean[]{false}) {
                    flashRow(bench, flashPath, s, cached, budget, denseRate);
                }
            }
        }
        return 0;
    }

    private int sweep() {
        if (memoryBudget != null) {
            throw new SpeculaException("--memory-budget and --sweep-budget exclude each other");
        }
        if (sparsities != null && sparsities.size() != 1) {
            throw new SpeculaException("--sweep-budget runs one sparsity, got --sparsity " + sparsities);
        }
        var options = new BudgetSweep.Options(ModelLocator.resolve(dense), ModelLocator.resolve(flash), sweepBudgets,
                PredictorKind.parse(predictor), sparsities == null ? 0.8 : sparsities.getFirst(), window,
                device == null ? null : FlashSettings.profile(device), tokens, prompt,
                threads == null ? ComputePool.defaultThreads() : threads);
        SweepReport.runAndWrite(options, reportDir);
        return 0;
    }

    private void flashRow(DecodeBench bench, java.nio.file.Path flashPath, double s, boolean cached, long budget,
                          double denseRate) {
        PredictorKind kind = s == 0 ? PredictorKind.ALL : PredictorKind.parse(predictor);
        StorageThrottle throttle = device == null ? null : new StorageThrottle(FlashSettings.profile(device));
        DecodeBench.FlashRun run = bench.flash(flashPath, new OffloadSetup(kind, s, window, budget, throttle, cached));
        FlashStats d = run.decode();
        System.out.printf(Locale.ROOT, "%-15s %8.2f  %6.2f  %7.2fx  %9.1f  %11.1f  %7.1f%%  %9.2f  %10.2f  %s%n",
                "flash " + kind.cliName() + (cached ? " mmap" : ""), s, run.tokensPerSecond(), run.tokensPerSecond() / denseRate,
                d.bytesPerToken() / 1024, (double) d.reads() / d.tokens(), 100 * d.hitRate(),
                d.ioNanos() / 1e6 / d.tokens(), d.computeNanos() / 1e6 / d.tokens(),
                ByteSize.format(run.rssBytes()));
        System.err.println(run.plan().describe());
    }
}
