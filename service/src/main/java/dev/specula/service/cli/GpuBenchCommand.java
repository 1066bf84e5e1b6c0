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
                err.println("[gpu-bench] " + verdict(rows));
            }
            if (json) {
                out.println(toJson(device, n, rows));
            } else {
                Table table = table(rows);
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

    /** Where the device pays: the kernels it runs faster than the CPU, and the others. */
    static String verdict(List<KernelBenchmark.Row> rows) {
        StringBuilder faster = new StringBuilder();
        StringBuilder slower = new StringBuilder();
        for (KernelBenchmark.Row r : rows) {
            StringBuilder sb = r.speedup() > 1 ? faster : slower;
            sb.append(sb.isEmpty() ? "" : ", ").append(r.kernel())
                    .append(r.kernel().equals("attention") ? " " + r.shape().split(",")[0] : "")
                    .append(fmt(" %.2fx", r.speedup()));
        }
        return "device faster: " + (faster.isEmpty() ? "none" : faster) + " | CPU faster: "
                + (slower.isEmpty() ? "none" : slower);
    }

    static Table table(List<KernelBenchmark.Row> rows) {
        Table t = new Table("KERNEL", "SHAPE", "CPU ms", "CPU GB/s", "GPU ms", "GPU GB/s", "GPU/CPU", "MAX ERR")
                .numericColumns(2, 3, 4, 5, 6, 7);
        for (KernelBenchmark.Row r : rows) {
            boolean dev = !Double.isNaN(r.gpuSeconds());
            t.row(r.kernel(), r.shape(), fmt("%.3f", r.cpuSeconds() * 1e3), fmt("%.2f", r.cpuGigabytesPerSecond()),
                    dev ? fmt("%.3f", r.gpuSeconds() * 1e3) : "-", dev ? fmt("%.2f", r.gpuGigabytesPerSecond()) : "-",
                    dev ? fmt("%.2fx", r.speedup()) : "-", dev ? fmt("%.1e", r.maxError()) : "-");
        }
        return t;
    }

    static String toJson(String device, int threads, List<KernelBenchmark.Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"device\": ").append(quote(device)).append(", \"cpu_threads\": ").append(threads)
                .append(", \"rows\": [");
        for (int i = 0; i < rows.size(); i++) {
            KernelBenchmark.Row r = rows.get(i);
            sb.append(i == 0 ? "\n  " : ",\n  ")
                    .append("{\"kernel\": ").append(quote(r.kernel()))
                    .append(", \"shape\": ").append(quote(r.shape()))
                    .append(", \"bytes\": ").append(r.bytes())
                    .append(", \"cpu_seconds\": ").append(number(r.cpuSeconds()))
                    .append(", \"cpu_gb_per_s\": ").append(number(r.cpuGigabytesPerSecond()))
                    .append(", \"gpu_seconds\": ").append(number(r.gpuSeconds()))
                    .append(", \"gpu_gb_per_s\": ").append(number(r.gpuGigabytesPerSecond()))
                    .append(", \"speedup\": ").append(number(r.speedup()))
                    .append(", \"max_relative_error\": ").append(number(r.maxError())).append('}');
        }
        return sb.append("\n]}").toString();
    }

    private static String fmt(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }

    /** JSON has no NaN: a missing device measurement is null. */
    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
