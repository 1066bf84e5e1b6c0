package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.runtime.bench.MemoryFootprint;
import dev.specula.runtime.bench.ResidentMemory;
import dev.specula.service.report.Table;

import java.util.Locale;

import static dev.specula.service.cli.JsonText.string;

/**
 * The bench's zero-copy evidence: the resident set split into file-backed and anonymous pages at three
 * moments, and the anonymous growth over the JVM's baseline judged against the heap-and-buffers bound.
 */
final class MemoryReport {
    private static final String SOURCE = "resident set from /proc/self/status; baseline: this JVM before the model "
            + "was loaded";
    private static final String GROWTH = "anonymous growth over the baseline less the copied weights, including the "
            + "KV cache, JIT code and uncollected garbage";

    private MemoryReport() {
    }

    static String text(MemoryFootprint f) {
        if (!f.known()) {
            return "\nmemory: /proc/self/status gives no RssFile/RssAnon split here, no zero-copy figures\n";
        }
        Table t = new Table("phase", "file-backed", "anonymous", "heap used", "heap committed")
                .numericColumns(1, 2, 3, 4);
        phase(t, "baseline", f.baseline());
        phase(t, "after load", f.afterLoad());
        phase(t, "after run", f.afterRun());
        return "\nmemory (" + SOURCE + "):\n" + t.toText()
                + String.format(Locale.ROOT, "model weights %s, mapped: file-backed growth %s after load, %s after the "
                        + "run; copied into a faster layout (anonymous, not counted below): %s%n",
                ByteSize.format(f.weightBytes()), ByteSize.format(f.filePagesAfterLoad()),
                ByteSize.format(f.filePagesAfterRun()), ByteSize.format(f.copiedWeightBytes()))
                + String.format(Locale.ROOT, "heap and buffers (%s): %s, KV cache %s: %s the %s bound%n", GROWTH,
                ByteSize.format(f.heapAndBuffersBytes()), ByteSize.format(f.kvCacheBytes()),
                f.withinBound() ? "PASS, within" : "FAIL, over", bound());
    }

    static String toJson(MemoryFootprint f) {
        return "{\"source\": " + string(SOURCE) + ", \"known\": " + f.known()
                + ",\n  \"baseline\": " + phase(f.baseline())
                + ",\n  \"after_load\": " + phase(f.afterLoad())
                + ",\n  \"after_run\": " + phase(f.afterRun())
                + ",\n  \"weight_bytes\": " + f.weightBytes()
                + ", \"copied_weight_bytes\": " + f.copiedWeightBytes()
                + ", \"kv_cache_bytes\": " + f.kvCacheBytes()
                + ", \"file_growth_after_load_bytes\": " + f.filePagesAfterLoad()
                + ", \"file_growth_after_run_bytes\": " + f.filePagesAfterRun()
                + ",\n  \"heap_and_buffers_bytes\": " + f.heapAndBuffersBytes()
                + ", \"heap_and_buffers_means\": " + string(GROWTH)
                + ", \"heap_and_buffers_bound_bytes\": " + MemoryFootprint.HEAP_AND_BUFFERS_BOUND
                + ", \"within_bound\": " + f.withinBound() + "}";
    }

    private static void phase(Table t, String name, ResidentMemory m) {
        t.row(name, ByteSize.format(m.fileBytes()), ByteSize.format(m.anonBytes()), ByteSize.format(m.heapUsedBytes()),
                ByteSize.format(m.heapCommittedBytes()));
    }

    private static String phase(ResidentMemory m) {
        return "{\"rss_file_bytes\": " + m.fileBytes() + ", \"rss_anon_bytes\": " + m.anonBytes()
                + ", \"heap_used_bytes\": " + m.heapUsedBytes() + ", \"heap_committed_bytes\": " + m.heapCommittedBytes()
                + "}";
    }

    private static String bound() {
        return MemoryFootprint.HEAP_AND_BUFFERS_BOUND / 1_000_000 + " MB";
    }
}
