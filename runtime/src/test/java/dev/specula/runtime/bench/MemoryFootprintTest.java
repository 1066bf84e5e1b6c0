package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.Session;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryFootprintTest {

    private static final long MiB = 1 << 20;
    /** A mapping's header line in smaps: address range, then permissions. */
    private static final Pattern SMAPS_MAPPING = Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    @Test
    void heapAndBuffersAreTheHighestAnonymousGrowthOverTheBaseline() {
        ResidentMemory baseline = new ResidentMemory(20 * MiB, 50 * MiB, 10 * MiB, 300 * MiB);
        ResidentMemory loaded = new ResidentMemory(25 * MiB, 90 * MiB, 30 * MiB, 300 * MiB);
        ResidentMemory ran = new ResidentMemory(900 * MiB, 80 * MiB, 20 * MiB, 300 * MiB);
        MemoryFootprint f = new MemoryFootprint(1000 * MiB, 0, 7 * MiB, baseline, loaded, ran);
        assertTrue(f.known());
        assertEquals(40 * MiB, f.heapAndBuffersBytes(), "after load is the higher sample here");
        assertTrue(f.withinBound());
        assertEquals(5 * MiB, f.filePagesAfterLoad());
        assertEquals(880 * MiB, f.filePagesAfterRun());

        MemoryFootprint over = new MemoryFootprint(1000 * MiB, 0, 7 * MiB, baseline, loaded,
                new ResidentMemory(900 * MiB, 50 * MiB + MemoryFootprint.HEAP_AND_BUFFERS_BOUND + 1, 0, 0));
        assertEquals(MemoryFootprint.HEAP_AND_BUFFERS_BOUND + 1, over.heapAndBuffersBytes());
        assertFalse(over.withinBound());
    }

    @Test
    void weightsCopiedIntoAnonymousMemoryAreNotHeapOrBuffers() {
        ResidentMemory baseline = new ResidentMemory(20 * MiB, 50 * MiB, 10 * MiB, 300 * MiB);
        ResidentMemory loaded = new ResidentMemory(25 * MiB, 650 * MiB, 30 * MiB, 300 * MiB);
        ResidentMemory ran = new ResidentMemory(40 * MiB, 660 * MiB, 20 * MiB, 300 * MiB);
        MemoryFootprint f = new MemoryFootprint(600 * MiB, 580 * MiB, 7 * MiB, baseline, loaded, ran);
        assertEquals(30 * MiB, f.heapAndBuffersBytes());
        assertTrue(f.withinBound());
        assertFalse(new MemoryFootprint(600 * MiB, 0, 7 * MiB, baseline, loaded, ran).withinBound(),
                "uncounted, the copies are over the bound");
    }

    @Test
    void anUnknownSplitNeverPasses() {
        ResidentMemory unknown = new ResidentMemory(-1, -1, 10 * MiB, 100 * MiB);
        ResidentMemory known = new ResidentMemory(1, 1, 0, 0);
        MemoryFootprint f = new MemoryFootprint(MiB, 0, MiB, known, unknown, known);
        assertFalse(f.known());
        assertFalse(f.withinBound());
    }

    /**
     * Zero copy: building an engine over a mapped model reads the header, the tokenizer and the norms,
     * not the weight matrices, so most of the file is not resident afterwards; one forward pass then
     * reads every matrix once. The kernel maps a touched page's whole folio, up to 2 MiB (the norms
     * made 5 MiB of a 27 MiB, 8-layer Q8_0 file resident on Linux 6.18 ext4, 4.5 MiB of a 1.1 GB one), hence
     * few wide layers and a loose bound. Residency is the model mapping's own (smaps), not the process's
     * RssFile: the JDK's mapped files count there too, and the kernel may drop some of theirs meanwhile.
     */
    @Test
    void loadingLeavesTheWeightPagesOnDiskUntilTheyAreUsed(@TempDir Path dir) throws IOException {
        assumeTrue(ResidentMemory.sample().known(), "needs RssFile from /proc/self/status");
        Path file = dir.resolve("wide.gguf");
        new SynthModelWriter(new SynthShape("wide", 1024, 2, 8, 8, 2816, 512, 64), SynthQuant.F32, 5)
                .write(file, false, n -> { });
        // once untimed: the first load pages in the JDK's and the engine's classes, file-backed too
        try (Engine engine = Engine.cpu(ModelLoader.load(file, null), 1, 8)) { // closes the model too
            assertEquals(8, engine.contextLength());
        }
        try (Engine engine = Engine.cpu(ModelLoader.load(file, null), 1, 8)) {
            assertEquals(0, engine.copiedWeightBytes(), "F32 is multiplied where it is mapped");
            long weights = engine.model().weightBytes();
            assertTrue(weights > 24 * MiB, "a file large enough to tell: " + weights);
            long loaded = residentBytesMapped(file);
            assertTrue(loaded < weights / 2, "resident after load " + loaded + " of " + weights);
            try (Session session = engine.transformer().newSession(engine.attention(), 8)) {
                engine.transformer().forward(session, new int[] {300}, 0, 1);
            }
            long used = residentBytesMapped(file);
            assertTrue(used > 0.9 * weights, "resident after a forward pass " + used + " of " + weights);
        }
    }

    /** Sum of the Rss lines of this process's mappings of {@code file}, from /proc/self/smaps. */
    private static long residentBytesMapped(Path file) throws IOException {
        String name = file.toRealPath().toString();
        long kib = 0;
        boolean inFile = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (SMAPS_MAPPING.matcher(line).lookingAt()) {
                inFile = line.endsWith(" " + name);
            } else if (inFile && line.startsWith("Rss:")) {
                kib += Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return kib * 1024;
    }
}
