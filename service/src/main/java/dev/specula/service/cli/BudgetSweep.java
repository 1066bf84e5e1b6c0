package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.HostMemory;
import dev.specula.devices.DeviceProfile;
import dev.specula.devices.StorageThrottle;
import dev.specula.offload.BudgetTooSmallException;
import dev.specula.offload.FlashModel;
import dev.specula.offload.FlashStats;
import dev.specula.offload.MemoryPlan;
import dev.specula.offload.OffloadSetup;
import dev.specula.offload.PredictorKind;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.model.Model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Throughput under memory limits, as in the figures of "LLM in a Flash": at each memory budget the
 * flash model runs twice in the same process, (a) ours, the predictor at the chosen sparsity with the
 * sliding window, and (b) the naive baseline, every neuron each token ({@link PredictorKind#ALL}), so
 * what does not fit in the budget is read from flash again every token. The dense model, mapped
 * through the page cache without a budget, gives the reference speed. A budget too small for a run's
 * fixed part is recorded as not fitting; the sweep goes on.
 *
 * <p>As in the paper, a percentage is the memory for weights, a share of the dense model's weight
 * bytes: resident weights, predictor and neuron caches. The KV cache and buffers of the benchmark's
 * context come on top, so the same percentages compare across model sizes. An absolute size is the
 * whole budget, as {@code --memory-budget}.
 */
public final class BudgetSweep {

    /**
     * @param budgets   percentages of the dense model's weight bytes ({@code 25%}) or sizes ({@code 64MiB})
     * @param device    storage profile the flash reads are paced to (simulated numbers), or null
     */
    public record Options(Path dense, Path flash, List<String> budgets, PredictorKind predictor, double sparsity,
                          int window, DeviceProfile device, int tokens, String prompt, int threads) {
        public Options {
            if (budgets.isEmpty()) {
                throw new SpeculaException("--sweep-budget needs at least one budget");
            }
            if (predictor == PredictorKind.ALL || sparsity <= 0) {
                throw new SpeculaException("the budget sweep compares a predictor against reading every neuron: "
                        + "give --sparsity above 0 and --predictor gate|low-rank");
            }
            budgets = List.copyOf(budgets);
        }
    }

    /**
     * What one run measured while decoding.
     *
     * @param droppedPerToken predicted neurons per token (over all layers) left out because the cache was full
     * @param rssBytes        the process's resident set at the end of the run, JVM included
     */
    public record Measurement(double tokensPerSecond, double bytesPerToken, double readsPerToken, double hitRate,
                              double droppedPerToken,
                              double predictMsPerToken, double ioMsPerToken, double computeMsPerToken,
                              int cachedNeurons, int hiddenNeurons, long rssBytes) {
        static Measurement of(DecodeBench.FlashRun run) {
            FlashStats d = run.decode();
            double tokens = d.tokens();
            return new Measurement(run.tokensPerSecond(), d.bytesPerToken(), d.reads() / tokens, d.hitRate(), d.dropped() / tokens,
                    d.predictNanos() / 1e6 / tokens, d.ioNanos() / 1e6 / tokens, d.computeNanos() / 1e6 / tokens, run.plan().capacity(),
                    run.plan().hidden(), run.rssBytes());
        }
    }

    /** A run's result: measured, or the reason the budget does not fit. */
    public record Outcome(Measurement measured, String doesNotFit) {
        public boolean fits() {
            return measured != null;
        }
    }

    /**
     * One budget: ours and the naive baseline.
     *
     * @param budgetBytes      the whole budget the runs were planned under
     * @param percentOfWeights its share for weights, in percent of the dense model's weight bytes
     */
    public record Point(String spec, long budgetBytes, double percentOfWeights, Outcome ours, Outcome naive) {
        /** Tokens/s of ours over naive, or NaN when either does not fit. */
        public double speedUp() {
            return ours.fits() && naive.fits() ? ours.measured().tokensPerSecond() / naive.measured().tokensPerSecond()
                    : Double.NaN;
        }
    }

    /**
     * The sweep: what was run, the reference speed and one point per budget, in the order given.
     *
     * @param overheadBytes KV cache and buffers, added to a percentage's share of the weights
     * @param jvmRssBytes   the process's resident set before any model was loaded: the JVM's own share
     */
    public record Result(Options options, String model, long weightBytes, long overheadBytes, long jvmRssBytes,
                         double denseTokensPerSecond, List<Point> points) {
        public boolean simulated() {
            return options.device() != null;
        }
    }

    private static final int WARM_UP_TOKENS = 16;

    private BudgetSweep() {
    }

    public static Result run(Options o) {
        if (!FlashModel.isFlashFile(o.flash())) {
            throw new SpeculaException(o.flash() + ": not a .specula flash layout file");
        }
        try (ComputePool pool = new ComputePool(o.threads())) {
            DecodeBench bench = new DecodeBench(pool, o.prompt(), o.tokens());
            DecodeBench warmUp = new DecodeBench(pool, o.prompt(), Math.min(o.tokens(), WARM_UP_TOKENS));
            MemoryPlan unlimited = DecodeBench.plan(o.flash(), new OffloadSetup(o.predictor(), o.sparsity(), o.window(),
                    0, throttle(o), false));
            long overhead = unlimited.kvCache() + unlimited.buffers();
            // The JVM alone, before any model: what the budget does not cover. Later RSS figures also hold code
            // compiled meanwhile and heap grown by earlier runs of this process.
            long jvmRss = HostMemory.read().rssBytes();
            long weightBytes;
            try (Model m = ModelLoader.load(o.dense(), null, true)) {
                weightBytes = m.weightBytes();
            }
            // Untimed first: the first budget's runs compile the code every timed run uses.
            point(warmUp, o, o.budgets().getFirst(), weightBytes, overhead);
            List<Point> points = new ArrayList<>();
            for (String spec : o.budgets()) {
                points.add(point(bench, o, spec, weightBytes, overhead));
            }
            // The dense reference last, so that its KV cache and mapped pages are in no budgeted run's RSS.
            double denseRate;
            try (Model m = ModelLoader.load(o.dense(), null, true)) {
                warmUp.decode(m, new DenseFeedForward(m, pool, 32));
                denseRate = bench.decode(m, new DenseFeedForward(m, pool, 32));
            }
            return new Result(o, o.flash().getFileName().toString(), weightBytes, overhead, jvmRss, denseRate, points);
        }
    }

    private static Point point(DecodeBench bench, Options o, String spec, long weightBytes, long overhead) {
        Budget b = budget(spec, weightBytes, overhead);
        long budget = b.bytes();
        Outcome ours = measure(bench, o, new OffloadSetup(o.predictor(), o.sparsity(), o.window(), budget,
                throttle(o), false));
        Outcome naive = measure(bench, o, new OffloadSetup(PredictorKind.ALL, 0, o.window(), budget,
                throttle(o), false));
        return new Point(spec, budget, b.percentOfWeights(), ours, naive);
    }

    /** A fresh throttle per run, so no run inherits another's pacing debt. */
    private static StorageThrottle throttle(Options o) {
        return o.device() == null ? null : new StorageThrottle(o.device());
    }

    private static Outcome measure(DecodeBench bench, Options o, OffloadSetup setup) {
        try {
            return new Outcome(Measurement.of(bench.flash(o.flash(), setup)), null);
        } catch (BudgetTooSmallException e) {
            return new Outcome(null, e.getMessage());
        }
    }

    /** A whole budget and its share for weights, in percent of the weight bytes. */
    record Budget(long bytes, double percentOfWeights) {
    }

    /** {@code 25%} of the model's weight bytes (any positive percentage) plus the overhead, or an absolute size. */
    static Budget budget(String spec, long weightBytes, long overheadBytes) {
        String s = spec.strip();
        try {
            if (s.endsWith("%")) {
                double percent = Double.parseDouble(s.substring(0, s.length() - 1).strip());
                if (!(percent > 0) || Double.isInfinite(percent)) {
                    throw new SpeculaException("invalid --sweep-budget " + spec + ": the percentage must be above 0");
                }
                return new Budget((long) Math.floor(weightBytes * percent / 100) + overheadBytes, percent);
            }
            long bytes = ByteSize.parse(s);
            if (bytes <= 0) {
                throw new SpeculaException("invalid --sweep-budget " + spec + ": must be positive");
            }
            return new Budget(bytes, 100.0 * (bytes - overheadBytes) / weightBytes);
        } catch (IllegalArgumentException e) {
            throw new SpeculaException(String.format(Locale.ROOT, "invalid --sweep-budget %s: %s (use a percentage of "
                    + "the model's weights such as 25%% or a size such as 64MiB)", spec, e.getMessage()));
        }
    }
}
