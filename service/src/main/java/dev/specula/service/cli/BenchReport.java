package dev.specula.service.cli;

import dev.specula.runtime.bench.BenchResult;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints benchmark rows as an aligned table for people or as JSON for scripts; one row per backend. */
final class BenchReport {
    private static final String[] HEADERS = {"backend", "threads", "prompt tok/s", "prompt GFLOP/s", "peak GFLOP/s",
            "% peak", "decode tok/s", "MB/token", "eff. GB/s", "mem GB/s", "% roofline"};

    private BenchReport() {
    }

    static void table(PrintStream out, List<BenchResult> rows) {
        if (rows.isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "model: %s | prompt %d tokens | decode %d tokens%n", rows.getFirst().model(),
                rows.getFirst().promptTokens(), rows.getFirst().genTokens());
        String[][] cells = new String[rows.size() + 1][];
        cells[0] = HEADERS;
        for (int i = 0; i < rows.size(); i++) {
            BenchResult r = rows.get(i);
            cells[i + 1] = new String[]{r.backend(), Integer.toString(r.threads()), f1(r.promptTokensPerSecond()),
                    f1(r.promptFlops() / 1e9), f1(r.peakFlops() / 1e9), f1(r.peakPercent()),
                    f1(r.decodeTokensPerSecond()), f1(r.weightBytesPerToken() / 1e6), f1(r.effectiveBytesPerSecond() / 1e9),
                    f1(r.bandwidthBytesPerSecond() / 1e9), f1(r.rooflinePercent())};
        }
        int[] widths = new int[HEADERS.length];
        for (String[] row : cells) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                String pad = " ".repeat(widths[c] - row[c].length());
                line.append(c == 0 ? row[c] + pad : "  " + pad + row[c]); // text left, numbers right
            }
            out.println(line);
        }
    }

    static void json(PrintStream out, List<BenchResult> rows) {
        StringBuilder sb = new StringBuilder("{\"results\": [");
        for (int i = 0; i < rows.size(); i++) {
            BenchResult r = rows.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("  {")
                    .append("\"backend\": ").append(string(r.backend()))
                    .append(", \"model\": ").append(string(r.model()))
                    .append(", \"threads\": ").append(r.threads())
                    .append(", \"prompt_tokens\": ").append(r.promptTokens())
                    .append(", \"prompt_tokens_per_second\": ").append(number(r.promptTokensPerSecond()))
                    .append(", \"prompt_gflops\": ").append(number(r.promptFlops() / 1e9))
                    .append(", \"peak_gflops\": ").append(number(r.peakFlops() / 1e9))
                    .append(", \"peak_percent\": ").append(number(r.peakPercent()))
                    .append(", \"gen_tokens\": ").append(r.genTokens())
                    .append(", \"decode_tokens_per_second\": ").append(number(r.decodeTokensPerSecond()))
                    .append(", \"weight_bytes_per_token\": ").append(r.weightBytesPerToken())
                    .append(", \"effective_gb_per_second\": ").append(number(r.effectiveBytesPerSecond() / 1e9))
                    .append(", \"memory_gb_per_second\": ").append(number(r.bandwidthBytesPerSecond() / 1e9))
                    .append(", \"roofline_percent\": ").append(number(r.rooflinePercent()))
                    .append('}');
        }
        out.println(sb.append("\n]}"));
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "null";
    }

    private static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
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
