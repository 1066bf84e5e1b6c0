package dev.specula.service.cli;

import dev.specula.devices.StorageThrottle;
import dev.specula.offload.FlashModel;
import dev.specula.offload.FlashStats;
import dev.specula.offload.OffloadSetup;
import dev.specula.offload.PredictorKind;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.engine.FeedForward;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Greedy decode speed of a dense model (mapped through the page cache) against its flash layout at
 * several sparsities, in one process so the ratios are comparable on a noisy machine.
 */
@Command(name = "offload-bench", mixinStandardHelpOptions = true,
        description = "Compare greedy decode of a dense GGUF model (mmap, page cache) with its .specula flash layout "
                + "at several sparsities: tok/s, ratio to dense, flash bytes and reads per token, cache hit rate, "
                + "I/O and compute time per token.")
public final class OffloadBenchCommand implements Callable<Integer> {

    @Option(names = "--dense", required = true, paramLabel = "MODEL", description = "The dense GGUF model.")
    String dense;

    @Option(names = "--flash", required = true, paramLabel = "FILE", description = "Its .specula conversion.")
    String flash;

    @Option(names = "--sparsity", split = ",", defaultValue = "0,0.5,0.8", paramLabel = "S[,S...]",
            description = "Sparsities to run (calibrated settings of the file; 0 reads every neuron). Default: ${DEFAULT-VALUE}.")
    List<Double> sparsities;

    @Option(names = "--predictor", defaultValue = "low-rank", paramLabel = "low-rank|gate",
            description = "Predictor for sparsities above 0 (default: ${DEFAULT-VALUE}).")
    String predictor;

    @Option(names = "--window", defaultValue = "5", paramLabel = "K", description = "Window of tokens (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--memory-budget", paramLabel = "SIZE|PERCENT", description = "Memory budget for the flash runs.")
    String memoryBudget;

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
        if (tokens < 1) {
            throw new SpeculaException("invalid --tokens " + tokens + ": must be >= 1");
        }
        var flashPath = ModelLocator.resolve(flash);
        if (!FlashModel.isFlashFile(flashPath)) {
            throw new SpeculaException(flashPath + ": not a .specula flash layout file");
        }
        long budget = memoryBudget == null ? 0 : ModelOptions.budgetBytes(memoryBudget);
        try (ComputePool pool = new ComputePool(threads == null ? ComputePool.defaultThreads() : threads)) {
            System.out.println("mode            sparsity   tok/s  vs dense  KiB/token  reads/token  hit rate  io ms/tok  ffn ms/tok  RSS");
            double denseRate;
            try (Model m = ModelLoader.load(ModelLocator.resolve(dense), null, true)) {
                denseRate = decode(m, new DenseFeedForward(m, pool, 32), pool, m.tokenizer());
            }
            System.out.printf(Locale.ROOT, "%-15s %8s  %6.2f  %8s%n", "dense (mmap)", "-", denseRate, "1.00x");
            for (double s : sparsities) {
                for (boolean cached : pageCache ? new boolean[]{false, true} : new boolean[]{false}) {
                    flashRow(flashPath, pool, s, cached, budget, denseRate);
                }
            }
        }
        return 0;
    }

    private void flashRow(java.nio.file.Path flashPath, ComputePool pool, double s, boolean cached, long budget,
                          double denseRate) {
        PredictorKind kind = s == 0 ? PredictorKind.ALL : PredictorKind.parse(predictor);
        StorageThrottle throttle = device == null ? null : new StorageThrottle(ModelOptions.profile(device));
        OffloadSetup setup = new OffloadSetup(kind, s, window, budget, throttle, cached);
        try (FlashModel fm = FlashModel.open(flashPath, true, true)) {
            OffloadSetup.Built built = setup.build(fm, pool, contextFor(fm.model()), 32);
            try (var ff = built.feedForward()) {
                FlashStats[] decodeStats = new FlashStats[2];
                double rate = decode(fm.model(), ff, pool, fm.model().tokenizer(),
                        () -> decodeStats[0] = ff.stats(), () -> decodeStats[1] = ff.stats());
                FlashStats d = decodeStats[1].since(decodeStats[0]);
                System.out.printf(Locale.ROOT, "%-15s %8.2f  %6.2f  %7.2fx  %9.1f  %11.1f  %7.1f%%  %9.2f  %10.2f  %s%n",
                        "flash " + kind.cliName() + (cached ? " mmap" : ""), s, rate, rate / denseRate,
                        d.bytesPerToken() / 1024, (double) d.reads() / d.tokens(), 100 * d.hitRate(),
                        d.ioNanos() / 1e6 / d.tokens(), d.computeNanos() / 1e6 / d.tokens(),
                        dev.specula.devices.ByteSize.format(dev.specula.devices.HostMemory.read().rssBytes()));
                System.err.println(built.plan().describe());
            }
        }
    }

    private int contextFor(Model m) {
        return Math.min(m.config().contextLength(), 256);
    }

    private double decode(Model m, FeedForward ff, ComputePool pool, Tokenizer tokenizer) {
        return decode(m, ff, pool, tokenizer, () -> { }, () -> { });
    }

    /** Decodes greedily after the prompt; returns decode tokens per second. */
    private double decode(Model m, FeedForward ff, ComputePool pool, Tokenizer tokenizer, Runnable start, Runnable end) {
        Transformer tr = new Transformer(m, pool, ff, 32);
        int[] encoded = tokenizer.encode(prompt);
        int[] input = new int[encoded.length + 1];
        input[0] = tokenizer.bos() >= 0 ? tokenizer.bos() : encoded[0];
        System.arraycopy(encoded, 0, input, 1, encoded.length);
        int context = contextFor(m);
        if (input.length + tokens > context) {
            throw new SpeculaException("prompt and --tokens exceed the benchmark context of " + context);
        }
        try (Session s = tr.newSession(CpuAttention.factory(pool), context)) {
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
