package dev.specula.service.cli;

import dev.specula.offload.FlashConverter;
import dev.specula.runtime.json.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The budget sweep on TinyStories-656K: report files, both series, and naive reading more at a tight budget. */
class BudgetSweepTest {
    private static final Path SHARED = Path.of(System.getProperty("specula.shared", "../shared"));
    private static final Path MODEL = SHARED.resolve("models/TinyStories-656K-Q8_0.gguf");

    @TempDir
    static Path dir;
    static Path flash;

    @BeforeAll
    static void convert() {
        flash = dir.resolve("t.specula");
        FlashConverter.convert(MODEL, flash, new FlashConverter.Options(false, false, 16,
                SHARED.resolve("corpus/tinystories-valid-excerpt.txt"), 128, false), (stage, done, total) -> { });
    }

    @Test
    @SuppressWarnings("unchecked")
    void sweepWritesBothSeriesPerBudgetAndNaiveReadsMoreWhenTight() throws Exception {
        Path report = dir.resolve("report");
        // 10% cannot hold the resident weights of this model (its embeddings are most of it): recorded, not fatal.
        Cli.Run r = Cli.run("offload-bench", "--dense", MODEL.toString(), "--flash", flash.toString(),
                "--sweep-budget", "10%,100%,2MiB", "--sparsity", "0.8", "--tokens", "8", "--threads", "2",
                "--report-dir", report.toString());
        assertEquals(0, r.exit(), r.err());

        Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(report.resolve("sweep.json")));
        assertEquals(false, json.get("simulated"));
        List<Map<String, Object>> points = (List<Map<String, Object>>) json.get("points");
        assertEquals(List.of("10%", "100%", "2MiB"), points.stream().map(p -> p.get("budget")).toList());
        // A percentage is of the weights, with KV cache and buffers on top; a size is the whole budget.
        long weights = ((Number) json.get("weightBytes")).longValue();
        long overhead = ((Number) json.get("overheadBytes")).longValue();
        assertEquals(weights + overhead, ((Number) points.get(1).get("budgetBytes")).longValue());
        assertEquals(2L << 20, ((Number) points.get(2).get("budgetBytes")).longValue());
        for (Map<String, Object> p : points) {
            assertTrue(p.containsKey("ours") && p.containsKey("naive"), p.toString());
        }
        Map<String, Object> tooSmall = (Map<String, Object>) points.get(0).get("ours");
        assertEquals(false, tooSmall.get("fits"));
        assertTrue(((String) tooSmall.get("doesNotFit")).contains("too small"), tooSmall.toString());
        Map<String, Object> ours = (Map<String, Object>) points.get(1).get("ours");
        Map<String, Object> naive = (Map<String, Object>) points.get(1).get("naive");
        assertEquals(true, ours.get("fits"));
        assertEquals(true, naive.get("fits"));
        double ourBytes = ((Number) ours.get("bytesPerToken")).doubleValue();
        double naiveBytes = ((Number) naive.get("bytesPerToken")).doubleValue();
        assertTrue(naiveBytes >= ourBytes, "naive " + naiveBytes + " B/token, ours " + ourBytes);
        assertEquals(0.0, ((Number) naive.get("droppedNeuronsPerToken")).doubleValue(), "naive computes every neuron");
        // RSS is measured (from /proc on Linux) and includes the JVM, measured before any model was loaded.
        long jvm = ((Number) json.get("jvmRssBytes")).longValue();
        assertTrue(jvm > 0 && ((Number) ours.get("rssBytes")).longValue() > jvm, json.toString());
        assertTrue(((Number) naive.get("cachedNeuronsPerLayer")).longValue()
                < ((Number) naive.get("hiddenNeurons")).longValue(), "the naive cache is smaller than a layer");

        String md = Files.readString(report.resolve("sweep.md"));
        assertTrue(md.contains("| 10% (") && md.contains("does not fit") && md.contains("Speed-up of ours over naive"), md);
        for (String chart : List.of("sweep-tokps.svg", "sweep-bytes.svg")) {
            assertEquals(Set.of("ours (low-rank, sparsity 0.80)", "naive (every neuron)"), series(report.resolve(chart)));
        }
    }

    @Test
    void badSweepArgumentsAreUserErrors() {
        Cli.Run bad = Cli.run("offload-bench", "--dense", MODEL.toString(), "--flash", flash.toString(),
                "--sweep-budget", "lots", "--report-dir", dir.resolve("bad").toString());
        assertEquals(SpeculaCommand.USER_ERROR, bad.exit());
        assertTrue(bad.err().contains("invalid --sweep-budget lots"), bad.err());
        Cli.Run dense = Cli.run("offload-bench", "--dense", MODEL.toString(), "--flash", flash.toString(),
                "--sweep-budget", "50%", "--sparsity", "0");
        assertEquals(SpeculaCommand.USER_ERROR, dense.exit());
        assertTrue(dense.err().contains("--sparsity above 0"), dense.err());
        assertFalse(Files.exists(dir.resolve("bad")), "nothing written for bad input");
    }

    /** The names of the polylines in a well-formed SVG. */
    private static Set<String> series(Path svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(svg.toFile());
        NodeList lines = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "polyline");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < lines.getLength(); i++) {
            names.add(((Element) lines.item(i)).getAttribute("data-series"));
        }
        return names;
    }
}
