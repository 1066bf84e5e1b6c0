package dev.specula.service.cli;

import dev.specula.gpu.KernelBenchmark;
import dev.specula.service.report.Table;

import java.util.List;
import java.util.Locale;

import static dev.specula.service.cli.JsonText.number;
import static dev.specula.service.cli.JsonText.string;

/** Per-kernel CPU against GPU figures, as printed by {@code devices gpu-bench} and {@code bench --kernels}. */
final class KernelReport {
    private KernelReport() {
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
        sb.append("{\"device\": ").append(string(device)).append(", \"cpu_threads\": ").append(threads)
                .append(", \"rows\": [");
        for (int i = 0; i < rows.size(); i++) {
            KernelBenchmark.Row r = rows.get(i);
            sb.append(i == 0 ? "\n  " : ",\n  ")
                    .append("{\"kernel\": ").append(string(r.kernel()))
                    .append(", \"shape\": ").append(string(r.shape()))
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
}
