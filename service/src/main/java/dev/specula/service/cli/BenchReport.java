package dev.specula.service.cli;

import dev.specula.runtime.bench.BenchResult;
import dev.specula.service.report.Table;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.specula.service.cli.JsonText.number;
import static dev.specula.service.cli.JsonText.string;

/**
 * Prints benchmark rows as an aligned table for people or as JSON for scripts; one row per backend. The
 * first row is the baseline: every row gives its prompt and decode speed as a ratio to it, and says whether
 * it decoded the same greedy tokens.
 */
final class BenchReport {

    private BenchReport() {
    }

    static void table(PrintStream out, List<BenchResult> rows) {
        if (rows.isEmpty()) {
            return;
        }
        BenchResult base = rows.getFirst();
        out.printf(Locale.ROOT, "model: %s | prompt %d tokens | decode %d tokens%n", base.model(),
                base.promptTokens(), base.genTokens());
        String vs = "vs " + base.backend();
        Table t = new Table("backend", "threads", "prompt tok/s", vs, "prompt GFLOP/s", "peak GFLOP/s", "% peak",
                "decode tok/s", vs, "MB/token", "eff. GB/s", "mem GB/s", "% roofline", "same tokens")
                .numericColumns(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        for (BenchResult r : rows) {
            t.row(r.backend(), r.threads(), f1(r.promptTokensPerSecond()),
                    f2(r.promptTokensPerSecond() / base.promptTokensPerSecond()) + "x", f1(r.promptFlops() / 1e9),
                    f1(r.peakFlops() / 1e9), f1(r.peakPercent()), f1(r.decodeTokensPerSecond()),
                    f2(r.decodeTokensPerSecond() / base.decodeTokensPerSecond()) + "x",
                    f1(r.weightBytesPerToken() / 1e6), f1(r.effectiveBytesPerSecond() / 1e9),
                    f1(r.bandwidthBytesPerSecond() / 1e9), f1(r.rooflinePercent()),
                    r == base ? "-" : sameTokens(r, base) ? "yes" : "no");
        }
        out.print(t.toText());
    }

    /** The rows, then each extra section (a name and its JSON value) in order. */
    static void json(PrintStream out, List<BenchResult> rows, Map<String, String> sections) {
        StringBuilder sb = new StringBuilder("{\"results\": [");
        for (int i = 0; i < rows.size(); i++) {
            BenchResult r = rows.get(i);
            BenchResult base = rows.getFirst();
            sb.append(i == 0 ? "\n" : ",\n").append("  {")
                    .append("\"backend\": ").append(string(r.backend()))
                    .append(", \"model\": ").append(string(r.model()))
                    .append(", \"threads\": ").append(r.threads())
                    .append(", \"prompt_tokens\": ").append(r.promptTokens())
                    .append(", \"prompt_tokens_per_second\": ").append(number(r.promptTokensPerSecond()))
                    .append(", \"prompt_vs_baseline\": ")
                    .append(number(r.promptTokensPerSecond() / base.promptTokensPerSecond()))
                    .append(", \"prompt_gflops\": ").append(number(r.promptFlops() / 1e9))
                    .append(", \"peak_gflops\": ").append(number(r.peakFlops() / 1e9))
                    .append(", \"peak_percent\": ").append(number(r.peakPercent()))
                    .append(", \"gen_tokens\": ").append(r.genTokens())
                    .append(", \"decode_tokens_per_second\": ").append(number(r.decodeTokensPerSecond()))
                    .append(", \"decode_vs_baseline\": ")
                    .append(number(r.decodeTokensPerSecond() / base.decodeTokensPerSecond()))
                    .append(", \"weight_bytes_per_token\": ").append(r.weightBytesPerToken())
                    .append(", \"effective_gb_per_second\": ").append(number(r.effectiveBytesPerSecond() / 1e9))
                    .append(", \"memory_gb_per_second\": ").append(number(r.bandwidthBytesPerSecond() / 1e9))
                    .append(", \"roofline_percent\": ").append(number(r.rooflinePercent()))
                    .append(", \"decoded_tokens\": ").append(r.decodedTokens())
                    .append(", \"same_tokens_as_baseline\": ").append(sameTokens(r, base))
                    .append('}');
        }
        sb.append("\n]");
        sections.forEach((name, value) -> sb.append(",\n").append(string(name)).append(": ").append(value));
        out.println(sb.append('}'));
    }

    private static boolean sameTokens(BenchResult r, BenchResult base) {
        return r.decodedTokens().equals(base.decodedTokens());
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
