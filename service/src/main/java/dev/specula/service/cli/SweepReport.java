package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.service.http.JsonWriter;
import dev.specula.service.report.LineChart;
import dev.specula.service.report.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link BudgetSweep.Result}: a table (text for the terminal, Markdown for the report),
 * a one-sentence conclusion, JSON, and SVG charts of tokens/s and flash bytes per token against the
 * budget, ours vs naive. Simulated runs (paced to a device profile) say so in every output.
 */
final class SweepReport {
    static final String JSON = "sweep.json";
    static final String MARKDOWN = "sweep.md";
    static final String TOKENS_CHART = "sweep-tokps.svg";
    static final String BYTES_CHART = "sweep-bytes.svg";
    static final String OURS = "ours";
    static final String NAIVE = "naive";

    private final BudgetSweep.Result result;

    /** Runs the sweep, prints the table and conclusion to stdout and writes the report files into {@code dir}. */
    static void runAndWrite(BudgetSweep.Options options, Path dir) {
        SweepReport report = new SweepReport(BudgetSweep.run(options));
        System.out.println(report.setting());
        System.out.print(report.table().toText());
        System.out.println(report.conclusion());
        for (var file : report.write(dir)) {
            System.err.println("[sweep] wrote " + file);
        }
    }

    SweepReport(BudgetSweep.Result result) {
        this.result = result;
    }

    /** Writes the report files into {@code dir} (created if missing; no charts when no run fits); returns their paths. */
    List<Path> write(Path dir) {
        try {
            Files.createDirectories(dir);
            List<Path> written = new ArrayList<>();
            written.add(Files.writeString(dir.resolve(JSON), JsonWriter.write(json()) + "\n"));
            written.add(Files.writeString(dir.resolve(MARKDOWN), markdown()));
            if (result.points().stream().anyMatch(p -> p.ours().fits() || p.naive().fits())) {
                written.add(Files.writeString(dir.resolve(TOKENS_CHART),
                        chart("Decode speed against memory budget", "tokens/s" + simulatedSuffix(),
                                m -> m.tokensPerSecond()).toSvg()));
                written.add(Files.writeString(dir.resolve(BYTES_CHART),
                        chart("Flash reads against memory budget", "KiB read from flash per token",
                                m -> m.bytesPerToken() / 1024).toSvg()));
            }
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sweep report to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** What was run, for the heading of every output. */
    String setting() {
        BudgetSweep.Options o = result.options();
        return String.format(Locale.ROOT, "%s: budgets as %% of the dense model's weights (%s) for weights, plus %s "
                        + "for KV cache and buffers; ours = %s predictor at "
                        + "sparsity %.2f, window %d; naive = every neuron each token, what does not fit re-read from "
                        + "flash; %d decode tokens%s. Dense (mmap, no budget): %.2f tok/s. RSS is measured at the end of "
                        + "each run (also holding code compiled meanwhile and heap grown by earlier runs of this process; "
                        + "`generate --memory-budget` measures one run alone); the JVM before any model: %s.",
                result.model(), ByteSize.format(result.weightBytes()), ByteSize.format(result.overheadBytes()),
                o.predictor().cliName(), o.sparsity(), o.window(),
                o.tokens(), result.simulated() ? "; SIMULATED storage: reads paced to device profile '"
                        + o.device().name() + "', tok/s and I/O times are simulated" : "",
                result.denseTokensPerSecond(), ByteSize.format(result.jvmRssBytes()));
    }

    Table table() {
        Table t = new Table("budget", "of weights", "run", "tok/s" + simulatedSuffix(), "speed-up", "KiB/token",
                "reads/token", "hit rate", "dropped/token", "predict ms/token", "I/O ms/token", "FFN ms/token", "cached neurons/layer",
                "RSS", "RSS - JVM")
                .numericColumns(1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        for (BudgetSweep.Point p : result.points()) {
            row(t, p, OURS, p.ours(), Double.isNaN(p.speedUp()) ? "-" : fmt("%.2fx", p.speedUp()));
            row(t, p, NAIVE, p.naive(), "");
        }
        return t;
    }

    private void row(Table t, BudgetSweep.Point p, String run, BudgetSweep.Outcome o, String speedUp) {
        String budget = p.spec() + " (" + ByteSize.format(p.budgetBytes()) + ")";
        String share = fmt("%.0f%%", p.percentOfWeights());
        if (!o.fits()) {
            t.row(budget, share, run, "does not fit", "-", "", "", "", "", "", "", "", "", "", "");
            return;
        }
        BudgetSweep.Measurement m = o.measured();
        t.row(budget, share, run, fmt("%.2f", m.tokensPerSecond()), speedUp, fmt("%.1f", m.bytesPerToken() / 1024),
                fmt("%.1f", m.readsPerToken()), fmt("%.1f%%", 100 * m.hitRate()), fmt("%.1f", m.droppedPerToken()), fmt("%.2f", m.predictMsPerToken()), fmt("%.2f", m.ioMsPerToken()),
                fmt("%.2f", m.computeMsPerToken()), m.cachedNeurons() + " of " + m.hiddenNeurons(),
                ByteSize.format(m.rssBytes()), ByteSize.format(m.rssBytes() - result.jvmRssBytes()));
    }

    /** One sentence: the speed-up of ours over naive per budget, and how much less ours reads. */
    String conclusion() {
        List<String> speedUps = new ArrayList<>();
        List<String> reads = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (BudgetSweep.Point p : result.points()) {
            if (p.ours().fits() && p.ours().measured().droppedPerToken() > 0) {
                dropped.add(p.spec() + " " + fmt("%.1f", p.ours().measured().droppedPerToken()));
            }
            if (!Double.isNaN(p.speedUp())) {
                speedUps.add(p.spec() + " " + fmt("%.2fx", p.speedUp()));
                double naiveBytes = p.naive().measured().bytesPerToken();
                reads.add(p.spec() + " " + (naiveBytes == 0 ? "-" : fmt("%.0f%%",
                        100 * p.ours().measured().bytesPerToken() / naiveBytes)));
            } else {
                speedUps.add(p.spec() + " " + (p.ours().fits() ? "naive does not fit" : p.naive().fits()
                        ? "ours does not fit" : "neither fits"));
            }
        }
        return "Speed-up of ours over naive loading (tok/s" + (result.simulated() ? ", simulated storage" : "")
                + ") per budget: "
                + String.join(", ", speedUps) + (reads.isEmpty() ? "" : "; ours reads this share of naive's flash bytes "
                + "per token: " + String.join(", ", reads)) + (dropped.isEmpty() ? "" : "; ours left out predicted "
                + "neurons for a full cache (per token, all layers): " + String.join(", ", dropped)) + ".";
    }

    String markdown() {
        return "# Throughput under memory limits\n\n" + setting() + "\n\n" + table().toMarkdown() + "\n" + conclusion()
                + "\n\n![tokens/s against budget](" + TOKENS_CHART + ")\n![bytes per token against budget](" + BYTES_CHART
                + ")\n";
    }

    private LineChart chart(String title, String yLabel, ToDoubleFunction<BudgetSweep.Measurement> y) {
        LineChart chart = new LineChart(title + (result.simulated() ? " (simulated storage)" : ""),
                "memory budget, % of the model's weights", yLabel, false);
        addSeries(chart, OURS + " (" + result.options().predictor().cliName() + ", sparsity "
                + fmt("%.2f", result.options().sparsity()) + ")", false, y, BudgetSweep.Point::ours);
        addSeries(chart, NAIVE + " (every neuron)", true, y, BudgetSweep.Point::naive);
        return chart;
    }

    /** Only the budgets where the run fits; a series with none is left out. */
    private void addSeries(LineChart chart, String name, boolean dashed, ToDoubleFunction<BudgetSweep.Measurement> y,
                           java.util.function.Function<BudgetSweep.Point, BudgetSweep.Outcome> outcome) {
        List<BudgetSweep.Point> fit = result.points().stream().filter(p -> outcome.apply(p).fits()).toList();
        if (fit.isEmpty()) {
            return;
        }
        double[] xs = fit.stream().mapToDouble(BudgetSweep.Point::percentOfWeights).toArray();
        double[] ys = fit.stream().mapToDouble(p -> y.applyAsDouble(outcome.apply(p).measured())).toArray();
        chart.add(new LineChart.Series(name, xs, ys, dashed));
    }

    Map<String, Object> json() {
        BudgetSweep.Options o = result.options();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", result.model());
        root.put("weightBytes", result.weightBytes());
        root.put("budgetsArePercentOf", "the dense model's weight bytes, for weights; KV cache and buffers on top");
        root.put("overheadBytes", result.overheadBytes());
        root.put("predictor", o.predictor().cliName());
        root.put("sparsity", o.sparsity());
        root.put("window", o.window());
        root.put("tokens", o.tokens());
        root.put("simulated", result.simulated());
        root.put("device", o.device() == null ? null : o.device().name());
        root.put("denseTokensPerSecond", result.denseTokensPerSecond());
        root.put("jvmRssBytes", result.jvmRssBytes());
        List<Object> points = new ArrayList<>();
        for (BudgetSweep.Point p : result.points()) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("budget", p.spec());
            point.put("budgetBytes", p.budgetBytes());
            point.put("percentOfWeights", p.percentOfWeights());
            point.put(OURS, outcome(p.ours()));
            point.put(NAIVE, outcome(p.naive()));
            point.put("speedUp", Double.isNaN(p.speedUp()) ? null : p.speedUp());
            points.add(point);
        }
        root.put("points", points);
        return root;
    }

    private static Map<String, Object> outcome(BudgetSweep.Outcome o) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("fits", o.fits());
        if (!o.fits()) {
            out.put("doesNotFit", o.doesNotFit());
            return out;
        }
        BudgetSweep.Measurement m = o.measured();
        out.put("tokensPerSecond", m.tokensPerSecond());
        out.put("bytesPerToken", m.bytesPerToken());
        out.put("readsPerToken", m.readsPerToken());
        out.put("hitRate", m.hitRate());
        out.put("droppedNeuronsPerToken", m.droppedPerToken());
        out.put("predictMsPerToken", m.predictMsPerToken());
        out.put("ioMsPerToken", m.ioMsPerToken());
        out.put("computeMsPerToken", m.computeMsPerToken());
        out.put("cachedNeuronsPerLayer", m.cachedNeurons());
        out.put("hiddenNeurons", m.hiddenNeurons());
        out.put("rssBytes", m.rssBytes());
        return out;
    }

    private String simulatedSuffix() {
        return result.simulated() ? " (simulated)" : "";
    }

    private static String fmt(String format, double v) {
        return String.format(Locale.ROOT, format, v);
    }
}
