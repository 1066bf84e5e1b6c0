package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.gpu.GpuBackend;
import dev.specula.gpu.KernelBenchmark;
import dev.specula.offload.FlashModel;
import dev.specula.offload.PredictorKind;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.bench.BenchResult;
import dev.specula.runtime.bench.DecodeRoofline;
import dev.specula.runtime.bench.EnsembleBenchmark;
import dev.specula.runtime.bench.FmaPeak;
import dev.specula.runtime.bench.InferenceBench;
import dev.specula.runtime.bench.MemoryBandwidth;
import dev.specula.runtime.bench.MemoryFootprint;
import dev.specula.runtime.bench.ModelCost;
import dev.specula.runtime.bench.ResidentMemory;
import dev.specula.runtime.bench.WeightStream;
import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.lora.EnsembleLoader;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.model.Model;
import dev.specula.service.EngineSettings;
import dev.specula.service.FlashSettings;
import dev.specula.service.WeightsChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Measures prompt and decode speed against this machine's limits, measured in the same run: memory
 * bandwidth (the decode roofline), the cores' FMA peak, and decode tokens taken in turn with plain reads of the
 * weights they multiply ({@link DecodeRoofline}). Each backend contributes one row: the CPU, then
 * with {@code --gpu} the same model with attention and KV cache on an OpenCL device, with {@code --llama-cpp}
 * llama.cpp on the same file ({@link LlamaCpp}). {@code --ensemble} adds
 * the LoRA ensemble figures and {@code --kernels} the per-kernel CPU against GPU table.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark prompt processing and decoding against the measured memory bandwidth and FMA peak.",
                "Optionally also on an OpenCL device (--gpu), against llama.cpp on the same file (--llama-cpp), with "
                        + "a LoRA ensemble (--ensemble) and per kernel (--kernels)."})
public final class BenchCommand implements Callable<Integer> {
    /** The limits are the best of many short passes (a few ms each) spread over at least this long. */
    private static final long LIMIT_MIN_MILLIS = 500;
    private static final int BANDWIDTH_PASSES = 20;
    private static final int PEAK_ITERATIONS = 1_000_000;
    private static final int PEAK_PASSES = 20;
    private static final int ENSEMBLE_ROUNDS = 3;
    private static final int KERNEL_MIN_CALLS = 3;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "Model file, folder or name in the models directory.")
    String model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--kv-cache", paramLabel = "f16|f32", defaultValue = EngineSettings.DEFAULT_KV_CACHE,
            description = EngineSettings.KV_CACHE_HELP + " Default: ${DEFAULT-VALUE}.")
    String kvCache;

    @Option(names = "--weights", paramLabel = "auto|mapped|interleaved", defaultValue = WeightsChoice.DEFAULT,
            description = WeightsChoice.HELP + " Default: ${DEFAULT-VALUE}.")
    String weights;

    @Option(names = "--prompt-tokens", defaultValue = "128", paramLabel = "P",
            description = "Prompt length, processed in batches. Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "32", paramLabel = "G",
            description = "Tokens decoded one at a time after the prompt (again in turn with reads of the weights "
                    + "they multiply, and per ensemble measurement). Default: ${DEFAULT-VALUE}.")
    int genTokens;

    @Option(names = "--bandwidth-mib", defaultValue = "512", paramLabel = "MiB",
            description = "Buffer streamed to measure memory bandwidth, an eighth per pass (well above the caches). "
                    + "Default: ${DEFAULT-VALUE}.")
    int bandwidthMib;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompt. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--gpu", paramLabel = "auto|off|N|NAME", defaultValue = "off",
            description = "Also run with attention and KV cache on this OpenCL device (auto: an integrated GPU if there is one; "
                    + "a discrete GPU or a CPU device such as PoCL only by index or name, see `specula devices list`), "
                    + "one more row with its speed relative to the CPU. Default: ${DEFAULT-VALUE}.")
    String gpu;

    @Option(names = {"-e", "--ensemble"}, paramLabel = "E",
            description = "Also decode with this LoRA ensemble (file or PEFT adapter folder) on the CPU, and with "
                    + "--gpu again with attention and LoRA updates on the device: the single model, the members "
                    + "batched and K separate passes, with ratios to the single model.")
    Path ensemble;

    @Option(names = "--llama-cpp", arity = "0..1", fallbackValue = "", paramLabel = "DIR",
            description = "Also run llama.cpp on the same file, prompt and threads (node-llama-cpp's prebuilt CPU build, "
                    + "installed by tools/llama-cpp/install; DIR: where, default that folder of this checkout), one "
                    + "more row with its speed relative to Specula's.")
    String llamaCpp;

    @Option(names = "--rounds", defaultValue = "1", paramLabel = "N",
            description = "Timed passes of the cpu row and of llama.cpp's, taking turns; each row reports its best "
                    + "(other processes on a shared machine only slow a pass down). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--kernels",
            description = "Also time each kernel on the CPU and on the --gpu device (matvec sized to the model's "
                    + "width, attention at the bench's context), as `specula devices gpu-bench` does.")
    boolean kernels;

    @Option(names = "--kernel-min-ms", defaultValue = "300", paramLabel = "MS",
            description = "With --kernels: minimum time per kernel measurement. Default: ${DEFAULT-VALUE}.")
    long kernelMinMillis;

    @Option(names = "--sweep-budget", split = ",", paramLabel = "B[,B...]",
            description = "Instead of the rows above: throughput under memory limits, the flash-offload run (predictor + "
                    + "sliding window) against naive loading at each budget, as `offload-bench --sweep-budget` (see its "
                    + "help for what a percentage means); needs the model's .specula file (--flash).")
    List<String> sweepBudgets;

    @Option(names = "--flash", paramLabel = "FILE",
            description = "With --sweep-budget: the model's .specula conversion (default: the model's path with .specula).")
    String flash;

    @Option(names = "--sparsity", defaultValue = "0.8", paramLabel = "S",
            description = "With --sweep-budget: the predictor's calibrated sparsity (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--predictor", defaultValue = "low-rank", paramLabel = "low-rank|gate",
            description = "With --sweep-budget: the predictor (default: ${DEFAULT-VALUE}).")
    String predictor;

    @Option(names = "--window", defaultValue = "0", paramLabel = "K",
            description = "With --sweep-budget: tokens whose neurons stay cached; 0 keeps them while there is room "
                    + "(default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--device", paramLabel = "PROFILE",
            description = "With --sweep-budget: pace flash reads to a device profile (numbers marked simulated).")
    String device;

    @Option(names = "--report-dir", defaultValue = "specula-report", paramLabel = "DIR",
            description = "With --sweep-budget: where the report goes (default: ${DEFAULT-VALUE}).")
    Path reportDir;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    /** Measured once and shared by every row: the backends differ in attention only, so the limits are the CPU's. */
    private record Limits(double bandwidth, double peak) {
    }

    @Override
    public Integer call() {
        int n = threads == null ? ComputePool.defaultThreads() : threads;
        if (n < 1 || promptTokens < 1 || genTokens < 1 || bandwidthMib < 1 || kernelMinMillis < 1 || rounds < 1) {
            throw new SpeculaException(
                    "--threads, --prompt-tokens, --gen-tokens, --bandwidth-mib, --kernel-min-ms and --rounds must be >= 1");
        }
        KvCacheType cache = EngineSettings.kvCacheType(kvCache);
        WeightsChoice weightsChoice = WeightsChoice.named(weights);
        Path path = ModelLocator.resolve(model);
        if (FlashModel.isFlashFile(path)) {
            throw new SpeculaException(path + " is a .specula flash layout file: bench runs it under memory budgets "
                    + "against naive loading and the dense model, as `bench -m DENSE.gguf --flash " + path
                    + " --sweep-budget 50%`");
        }
        if (sweepBudgets != null) {
            sweep(n, path);
            return 0;
        }
        if (llamaCpp != null && !(Files.isRegularFile(path) && ModelLoader.isGguf(path))) {
            throw new SpeculaException("--llama-cpp needs a GGUF file (llama.cpp reads no other format): " + path
                    + " is not one");
        }
        Optional<LlamaCpp> reference = Optional.ofNullable(llamaCpp) // before the model, as --gpu
                .map(dir -> LlamaCpp.at(dir.isEmpty() ? LlamaCpp.defaultDir() : Path.of(dir)));
        Optional<GpuBackend> backend = EngineSettings.openGpu(gpu); // before the model: a bad --gpu fails at once
        try {
            run(n, backend, reference, path, cache, weightsChoice);
        } finally {
            backend.ifPresent(GpuBackend::close);
        }
        return 0;
    }

    private void sweep(int threads, Path dense) {
        Path flashFile = flash != null ? ModelLocator.resolve(flash) : siblingFlashFile(dense);
        SweepReport.runAndWrite(new BudgetSweep.Options(dense, flashFile, sweepBudgets, PredictorKind.parse(predictor),
                sparsity, window, device == null ? null : FlashSettings.profile(device), genTokens, "Once upon a time",
                threads), reportDir);
    }

    private static Path siblingFlashFile(Path dense) {
        Path sibling = dense.resolveSibling(ModelLocator.modelName(dense) + ".specula");
        if (!Files.isRegularFile(sibling)) {
            throw new SpeculaException("--sweep-budget needs the model's .specula file: " + sibling
                    + " does not exist (make it with `specula convert --calibration-text ...` or give --flash)");
        }
        return sibling;
    }

    private void run(int n, Optional<GpuBackend> backend, Optional<LlamaCpp> reference, Path path, KvCacheType cache,
                     WeightsChoice weightsChoice) {
        ResidentMemory baseline = ResidentMemory.sample();
        Model m = ModelLoader.load(path, null);
        int context = InferenceBench.contextFor(promptTokens, genTokens);
        if (context > m.config().contextLength()) {
            m.close();
            throw new SpeculaException("--prompt-tokens + --gen-tokens = " + context + " exceeds the model's context of "
                    + m.config().contextLength());
        }
        List<BenchResult> rows = new ArrayList<>();
        Map<String, String> sections = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        MemoryFootprint memory;
        WeightLayout layout = weightsChoice.layoutFor(m, ensemble != null);
        ComputePool pool = new ComputePool(n);
        try (Engine engine = Engine.dense(m, pool, CpuAttention.factory(pool, cache), context, layout)) {
            ResidentMemory afterLoad = ResidentMemory.sample();
            // the memory report's sample, taken once the JIT is quiet
            InferenceBench.Timing cpu = time("cpu", engine, engine.attention(), true);
            memory = new MemoryFootprint(m.weightBytes(), engine.copiedWeightBytes(), engine.kvCacheBytes(), baseline, afterLoad,
                    cpu.atEnd());
            BenchPasses cpuPasses = new BenchPasses("cpu");
            cpuPasses.add(cpu.promptTokensPerSecond(), cpu.decodeTokensPerSecond());
            BenchPasses llamaPasses = new BenchPasses("llama.cpp");
            LlamaCpp.Timing llama = takeTurns(engine, reference, path, cpuPasses, llamaPasses);
            DecodeRoofline roofline = weightStream(engine);
            // after the run: the bandwidth buffer and the FMA loops' warm-up would count as the model's memory
            Limits limits = limits(engine.pool(), n);
            rows.add(row("cpu", engine, cpuPasses.bestPrompt(), cpuPasses.bestDecode(), cpu.decoded(), limits));
            if (backend.isPresent()) {
                String device = backend.get().device().describe();
                System.err.printf(Locale.ROOT, "[bench] attention and KV cache on %s...%n", device);
                rows.add(row("opencl", engine, time("opencl", engine, backend.get().attentionFactory(), false), limits));
                sections.put("opencl_device", JsonText.string(device));
                text.append("opencl: ").append(device).append(" (attention and KV cache; matmuls on the CPU)\n");
            }
            if (llama != null) {
                rows.add(row("llama.cpp", engine, llamaPasses.bestPrompt(), llamaPasses.bestDecode(), llama.decoded(),
                        limits));
                sections.put("llama_cpp", "{\"engine\": " + JsonText.string(llama.engine()) + ", \"cpu_backend\": "
                        + JsonText.string(llama.cpuBackend()) + "}");
                text.append("llama.cpp: ").append(llama.engine()).append(", CPU build ").append(llama.cpuBackend())
                        .append(" (same prompt tokens; its times include sampling in JavaScript; on quantized weights "
                                + "its greedy tokens may part from Specula's: it rounds activations to 8 bits)\n");
            }
            sections.put("weights", JsonText.string(layout.name().toLowerCase(Locale.ROOT)));
            text.append(weightsLine(layout));
            sections.put("weight_stream", RooflineReport.toJson(roofline));
            text.append(RooflineReport.text(roofline, n));
            if (rounds > 1) {
                sections.put("passes", "{" + cpuPasses.json() + (llama != null ? ", " + llamaPasses.json() : "") + "}");
                text.append(cpuPasses.text()).append('\n');
                if (llama != null) {
                    text.append(llamaPasses.text()).append('\n');
                }
            }
            if (ensemble != null) {
                LoraEnsemble e = EnsembleLoader.load(ensemble, m.config());
                System.err.printf(Locale.ROOT, "[bench] ensemble of %d, %d tokens x %d rounds...%n", e.size(),
                        genTokens, ENSEMBLE_ROUNDS);
                EnsembleBenchmark b = EnsembleBenchmark.run(engine.transformer(), e, engine.attention(), engine.pool(),
                        genTokens, ENSEMBLE_ROUNDS);
                sections.put("ensemble", EnsembleReport.toJson(b, e.rank()));
                text.append("\nensemble ").append(ensemble.getFileName()).append(", on the CPU:\n")
                        .append(EnsembleReport.text(b, e.rank()));
                if (backend.isPresent()) {
                    GpuBackend gpu = backend.get();
                    System.err.printf(Locale.ROOT, "[bench] ensemble with attention and LoRA updates on %s...%n",
                            gpu.device().describe());
                    EnsembleBenchmark g = EnsembleBenchmark.run(engine.transformer(), e, gpu.attentionFactory(),
                            gpu.ensembleDeltas(), engine.pool(), genTokens, ENSEMBLE_ROUNDS);
                    sections.put("ensemble_opencl", EnsembleReport.toJson(g, e.rank()));
                    text.append("\nensemble ").append(ensemble.getFileName()).append(", attention and LoRA updates on ")
                            .append(gpu.device().describe()).append(":\n").append(EnsembleReport.text(g, e.rank()));
                }
            }
            if (kernels) {
                List<KernelBenchmark.Row> k = kernelRows(engine, context, backend);
                String device = backend.map(b -> b.device().describe()).orElse("none");
                sections.put("kernels", KernelReport.toJson(device, n, k));
                text.append('\n').append(KernelReport.table(k).toText());
                if (backend.isPresent()) {
                    System.err.println("[bench] " + KernelReport.verdict(k));
                }
            }
        }
        if (json) {
            sections.put("memory", MemoryReport.toJson(memory));
            BenchReport.json(System.out, rows, sections);
        } else {
            BenchReport.table(System.out, rows);
            System.out.print(MemoryReport.text(memory));
            System.out.print(text);
        }
    }

    /** How the matrices were held: Q4_0's groups depend on whether {@code --ensemble} decodes. */
    private static String weightsLine(WeightLayout layout) {
        return "\nweights: " + layout.name().toLowerCase(Locale.ROOT) + switch (layout) {
            case MAPPED -> " (multiplied where the file is mapped)\n";
            case INTERLEAVED -> " (Q4_0 in groups of two vectors, for the ensemble's four-row products)\n";
            case INTERLEAVED_WIDE -> " (Q4_0 in groups of four vectors, for one sequence; with --ensemble, two)\n";
        };
    }

    /** Decode tokens taking turns with plain reads of the matrices they multiply, the moment's roof for decode. */
    private DecodeRoofline weightStream(Engine engine) {
        WeightStream stream = new WeightStream(engine.pool(), engine.transformer().matrices());
        System.err.printf(Locale.ROOT, "[bench] cpu: %d tokens, each followed by a read of its %s of matrices...%n",
                genTokens, ByteSize.format(stream.bytes()));
        return DecodeRoofline.measure(engine.transformer(), engine.attention(), stream, promptTokens, genTokens, seed);
    }

    private Limits limits(ComputePool pool, int n) {
        System.err.printf(Locale.ROOT, "[bench] cpu, %d threads: memory bandwidth...%n", n);
        double bandwidth = MemoryBandwidth.measure(pool, (long) bandwidthMib << 20, BANDWIDTH_PASSES,
                LIMIT_MIN_MILLIS);
        System.err.printf(Locale.ROOT, "[bench] FMA peak...%n");
        return new Limits(bandwidth, FmaPeak.measure(pool, PEAK_ITERATIONS, PEAK_PASSES, LIMIT_MIN_MILLIS));
    }

    /**
     * The rest of the {@code --rounds} passes: Specula's (its first is done) and llama.cpp's, taking turns.
     * Returns llama.cpp's last timing, or null without it.
     */
    private LlamaCpp.Timing takeTurns(Engine engine, Optional<LlamaCpp> reference, Path path, BenchPasses cpuPasses,
                                      BenchPasses llamaPasses) {
        LlamaCpp.Timing llama = null;
        int[] prompt = InferenceBench.prompt(engine.transformer(), promptTokens, seed);
        for (int r = 0; r < rounds; r++) {
            if (r > 0) {
                InferenceBench.Timing t = InferenceBench.measure(engine.transformer(), engine.attention(), promptTokens,
                        genTokens, seed);
                cpuPasses.add(t.promptTokensPerSecond(), t.decodeTokensPerSecond());
            }
            if (reference.isPresent()) {
                System.err.printf(Locale.ROOT, "[bench] llama.cpp: %d prompt tokens, %d decoded...%n", promptTokens,
                        genTokens);
                llama = reference.get().bench(path, engine.pool().threads(), prompt, genTokens);
                llamaPasses.add(llama.promptTokensPerSecond(), llama.decodeTokensPerSecond());
            }
        }
        return llama;
    }

    private InferenceBench.Timing time(String backend, Engine engine, AttentionFactory attention, boolean settleMemory) {
        System.err.printf(Locale.ROOT, "[bench] %s: %d prompt tokens, %d decoded...%n", backend, promptTokens, genTokens);
        return InferenceBench.run(engine.transformer(), attention, promptTokens, genTokens, seed, settleMemory);
    }

    private BenchResult row(String backend, Engine engine, InferenceBench.Timing t, Limits limits) {
        return row(backend, engine, t.promptTokensPerSecond(), t.decodeTokensPerSecond(), t.decoded(), limits);
    }

    private BenchResult row(String backend, Engine engine, double promptTokensPerSecond,
                            double decodeTokensPerSecond, List<Integer> decoded, Limits limits) {
        ModelCost cost = ModelCost.of(engine.model());
        return new BenchResult(backend, engine.model().source().getFileName().toString(), engine.pool().threads(),
                promptTokens, promptTokensPerSecond, genTokens, decodeTokensPerSecond, cost.weightBytesPerToken(),
                cost.flopsPerToken(), limits.bandwidth(), limits.peak(), decoded);
    }

    /** The kernels at this model's width (rounded up to the 32 the quantized formats need) and the bench's context. */
    private List<KernelBenchmark.Row> kernelRows(Engine engine, int context, Optional<GpuBackend> backend) {
        int size = Math.ceilDiv(engine.model().config().dim(), 32) * 32;
        KernelBenchmark.Options options = new KernelBenchmark.Options(size, List.of(context),
                Duration.ofMillis(kernelMinMillis), KERNEL_MIN_CALLS);
        return new KernelBenchmark(engine.pool(), backend.map(GpuBackend::kernels), options).run(r -> {
            System.err.printf(Locale.ROOT, "[bench] kernel %s %s done%n", r.kernel(), r.shape());
        });
    }
}
