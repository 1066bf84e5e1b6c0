package dev.specula.service.cli;

import dev.specula.gpu.GpuBackend;
import dev.specula.gpu.GpuKernels;
import dev.specula.gpu.GpuSelection;
import dev.specula.gpu.KernelBenchmark;
import dev.specula.gpu.OpenClDevice;
import dev.specula.gpu.OpenClDevices;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.service.report.Table;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Times the OpenCL kernels against the CPU kernels. */
@Command(name = "gpu-bench", mixinStandardHelpOptions = true,
        description = {"Time each GPU kernel (matvec per weight type, attention by context length, RMSNorm, SwiGLU, "
                + "batched LoRA) against the CPU kernel on the same data: GB/s, speed-up and largest difference.",
                "Without OpenCL only the CPU side is measured."})
public final class GpuBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--gpu", paramLabel = "N|NAME|off",
            description = "OpenCL device to measure (default: a GPU if there is one, else the first OpenCL device, "
                    + "e.g. PoCL). See `specula devices list`.")
    String gpu;

    @Option(names = "--size", paramLabel = "N", defaultValue = "2048",
            description = "Rows and columns of the matvec weights, a multiple of 32 (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--contexts", paramLabel = "N", split = ",", defaultValue = "256,1024,4096",
            description = "Attention context lengths (default: ${DEFAULT-VALUE}).")
    List<Integer> contexts;

    @Option(names = "--min-ms", paramLabel = "MS", defaultValue = "300",
            description = "Minimum time per measurement in milliseconds (default: ${DEFAULT-VALUE}).")
    long minMillis;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--markdown", description = "Print a Markdown table.")
    boolean markdown;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KernelBenchmark.Options options = options();
        int n = threads == null ? ComputePool.defaultThreads() : threads;
        if (n < 1) {
            throw new SpeculaException("--threads " + n + ": must be >= 1");
        }
        Optional<GpuBackend> backend = openDevice(err);
        try (ComputePool pool = new ComputePool(n)) {
            String device = backend.map(b -> b.device().describe()).orElse("none");
            err.println("[gpu-bench] device " + device + " | CPU " + n + " threads");
            List<KernelBenchmark.Row> rows = new KernelBenchmark(pool, backend.map(GpuBackend::kernels), options)
                    .run(r -> {
                        err.printf(Locale.ROOT, "[gpu-bench] %s %s done%n", r.kernel(), r.shape());
                        err.flush();
                    });
            if (backend.isPresent()) {
                err.println("[gpu-bench] " + KernelReport.verdict(rows));
            }
            if (json) {
                out.println(KernelReport.toJson(device, n, rows));
            } else {
                Table table = KernelReport.table(rows);
                out.print(markdown ? table.toMarkdown() : table.toText());
            }
            out.flush();
        } finally {
            backend.ifPresent(GpuBackend::close);
        }
        return 0;
    }

    private KernelBenchmark.Options options() {
        if (minMillis <= 0) {
            throw new SpeculaException("--min-ms " + minMillis + ": must be positive");
        }
        try {
            return new KernelBenchmark.Options(size, contexts, Duration.ofMillis(minMillis), 3);
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("gpu-bench: " + e.getMessage());
        }
    }

    /** The device to measure, or empty (with one line saying why) to measure the CPU only. */
    private Optional<GpuBackend> openDevice(PrintWriter err) {
        String selection = gpu;
        if (selection == null) {
            OpenClDevices.Discovery discovery = OpenClDevices.discover();
            if (!discovery.available()) {
                err.println("[gpu-bench] " + discovery.summary() + "; measuring the CPU kernels only");
                return Optional.empty();
            }
            // a benchmark wants a device even where `auto` would not use it (PoCL)
            selection = discovery.devices().stream().filter(OpenClDevice::isGpu).findFirst()
                    .orElse(discovery.devices().getFirst()).index() + "";
        }
        try {
            Optional<GpuBackend> backend = GpuBackend.open(selection);
            if (backend.isEmpty() && !(GpuSelection.parse(selection) instanceof GpuSelection.Off)) {
                err.println("[gpu-bench] " + GpuBackend.cpuFallbackReason() + "; measuring the CPU kernels only");
            }
            return backend;
        } catch (GpuSelection.SelectionException e) {
            throw new SpeculaException("--gpu " + selection + ": " + e.getMessage());
        }
    }
}
