package dev.specula.devices;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileParserTest {

    static final String GOOD = """
            # a test device
            name = test-dev
            description = A test device
            source = made up for tests
            dram = 4GiB
            memory.budget = 2GiB
            memory.unified = true
            storage.block = 4KiB
            seq.4KiB = 40 MB/s
            seq.64KiB = 300 MB/s
            seq.1MiB = 0.5 GB/s
            rand.qd1 = 10000 iops, 100 us
            rand.qd4 = 30000 iops, 133 us
            """;

    @Test
    void parsesEveryBuiltinProfile() {
        List<DeviceProfile> all = DeviceProfiles.builtin();
        assertEquals(DeviceProfiles.BUILTIN_NAMES.size(), all.size());
        for (DeviceProfile p : all) {
            assertFalse(p.source().isBlank(), p.name());
            assertFalse(p.description().isBlank(), p.name());
            assertTrue(p.dramBytes() >= 4L << 30, p.name());
            assertTrue(p.defaultBudgetBytes() > 0 && p.defaultBudgetBytes() <= p.dramBytes(), p.name());
            assertTrue(p.sequential().size() >= 5, p.name());
            assertTrue(p.random().size() >= 3, p.name());
            assertTrue(p.bestChunkBytes() >= p.blockBytes(), p.name());
            assertTrue(p.bestQueueDepth() >= 1, p.name());
            // the text says where estimates are
            assertTrue(DeviceProfiles.builtinText(p.name()).contains("ESTIMATE"), p.name());
            // round trip
            DeviceProfile back = ProfileParser.parse(ProfileWriter.toText(p), "roundtrip");
            assertProfilesEqual(p, back);
            assertSame(p, DeviceProfiles.load(p.name()));
        }
    }

    @Test
    void builtinNumbersMatchTheirSources() {
        // Peak bandwidths that are quoted in the files' sources.
        assertEquals(4200e6, DeviceProfiles.load("galaxy-s23").peakBandwidth(), 200e6);
        assertEquals(90e6, DeviceProfiles.load("pi5-microsd").peakBandwidth(), 5e6);
        assertEquals(5000, DeviceProfiles.load("pi5-microsd").iops(4), 1);
        assertTrue(DeviceProfiles.load("pi5-nvme").peakBandwidth() <= 500e6);
        assertEquals(837e6, DeviceProfiles.load("pi5-nvme-gen3").peakBandwidth(), 20e6);
        assertTrue(DeviceProfiles.load("macbook-pro-m2").peakBandwidth() > 6 * (double) ByteSize.GiB);
        assertEquals(8L << 30, DeviceProfiles.load("jetson-orin-nano-nvme").dramBytes());
        assertEquals(16L << 30, DeviceProfiles.load("macbook-pro-m2").dramBytes());
    }

    @Test
    void parsesAllFields() {
        DeviceProfile p = ProfileParser.parse(GOOD, "good.profile");
        assertEquals("test-dev", p.name());
        assertEquals("A test device", p.description());
        assertEquals("made up for tests", p.source());
        assertEquals(4L << 30, p.dramBytes());
        assertEquals(2L << 30, p.defaultBudgetBytes());
        assertTrue(p.unifiedMemory());
        assertEquals(4096, p.blockBytes());
        assertEquals(4096, p.randomChunkBytes());
        assertEquals(500e6, p.peakBandwidth(), 1e-3);
        assertEquals(new DeviceProfile.RandPoint(4, 30000, 133), p.random().get(1));
    }

    @Test
    void defaultsAndOrderIndependence() {
        DeviceProfile p = ProfileParser.parse("""
                rand.qd1 = 1000 iops, 1 ms
                seq.1MiB = 100
                seq.4k = 10 MB/s
                dram = 1 GiB
                source = s
                name = x
                """, "min.profile");
        assertEquals(0.5, ((MemoryBudget.Fraction) p.defaultBudget()).fraction());
        assertFalse(p.unifiedMemory());
        assertEquals(4096, p.sequential().getFirst().chunkBytes());
        assertEquals(1000, p.random().getFirst().latencyMicros());
        assertEquals("", p.description());
    }

    @Test
    void roundTripsThroughFile(@TempDir Path dir) throws IOException {
        DeviceProfile p = ProfileParser.parse(GOOD, "good.profile");
        Path file = dir.resolve("x.profile");
        ProfileWriter.write(p, file, List.of("written by a test", "second line"));
        assertTrue(Files.readString(file).startsWith("# written by a test\n# second line\n"));
        assertProfilesEqual(p, ProfileParser.parse(file));
        assertProfilesEqual(p, DeviceProfiles.load(file.toString()));
    }

    @Test
    void unknownNameListsBuiltins() {
        DeviceProfileException e = assertThrows(DeviceProfileException.class, () -> DeviceProfiles.load("nokia-3310"));
        assertTrue(e.getMessage().contains("nokia-3310"), e.getMessage());
        for (String name : DeviceProfiles.BUILTIN_NAMES) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    // ------------------------------------------------------------ errors: file, line, key, problem

    @Test
    void unknownKey() {
        assertError(GOOD + "colour = blue\n", 14, "colour", "unknown key");
    }

    @Test
    void missingRequiredKeys() {
        assertError(GOOD.replace("name = test-dev\n", ""), 0, "name", "missing required key");
        assertError(GOOD.replace("dram = 4GiB\n", ""), 0, "dram", "missing required key");
        assertError(GOOD.replace("source = made up for tests\n", ""), 0, "source", "missing required key");
        assertError(GOOD.replace("rand.qd1 = 10000 iops, 100 us\n", ""), 0, "rand.qd1", "missing required key");
        assertError(GOOD.replaceAll("seq\\..*\n", ""), 0, "seq.<chunk>", "missing required key");
    }

    @Test
    void badSizes() {
        assertError(GOOD.replace("dram = 4GiB", "dram = 4 GiBs"), 5, "dram", "unknown size unit");
        assertError(GOOD.replace("dram = 4GiB", "dram = lots"), 5, "dram", "must start with a number");
        assertError(GOOD.replace("seq.4KiB", "seq.4QiB"), 9, "seq.4QiB", "bad chunk size");
        assertError(GOOD.replace("storage.block = 4KiB", "storage.block = 3000"), 8, "storage.block", "power of two");
        assertError(GOOD.replace("memory.budget = 2GiB", "memory.budget = 8GiB"), 6, "memory.budget", "exceeds");
        assertError(GOOD.replace("memory.budget = 2GiB", "memory.budget = 150%"), 6, "memory.budget", "(0, 100]");
    }

    @Test
    void negativeAndMalformedValues() {
        assertError(GOOD.replace("seq.64KiB = 300 MB/s", "seq.64KiB = -300 MB/s"), 10, "seq.64KiB", "must be positive");
        assertError(GOOD.replace("seq.64KiB = 300 MB/s", "seq.64KiB = 0 MB/s"), 10, "seq.64KiB", "must be positive");
        assertError(GOOD.replace("seq.64KiB = 300 MB/s", "seq.64KiB = 300 furlongs"), 10, "seq.64KiB", "unknown bandwidth unit");
        assertError(GOOD.replace("rand.qd4 = 30000 iops, 133 us", "rand.qd4 = -3 iops, 133 us"), 13, "rand.qd4", "IOPS must be positive");
        assertError(GOOD.replace("rand.qd4 = 30000 iops, 133 us", "rand.qd4 = 30000 iops, -1 us"), 13, "rand.qd4", "latency must be positive");
        assertError(GOOD.replace("rand.qd4 = 30000 iops, 133 us", "rand.qd4 = 30000"), 13, "rand.qd4", "expected '<iops> iops");
        assertError(GOOD.replace("rand.qd4 = 30000 iops, 133 us", "rand.qd4 = 30000 iops, 133"), 13, "rand.qd4", "needs a unit");
        assertError(GOOD.replace("rand.qd4", "rand.qdfour"), 13, "rand.qdfour", "whole number");
        assertError(GOOD.replace("rand.qd4", "rand.qd0"), 13, "rand.qd0", "at least 1");
        assertError(GOOD.replace("memory.unified = true", "memory.unified = maybe"), 7, "memory.unified", "true or false");
        assertError(GOOD.replace("name = test-dev", "name = Test Dev"), 2, "name", "lower-case");
        assertError(GOOD + "just some words\n", 14, null, "expected 'key = value'");
        assertError(GOOD + "seq.2MiB =\n", 14, "seq.2MiB", "empty value");
    }

    @Test
    void duplicates() {
        assertError(GOOD + "dram = 8GiB\n", 14, "dram", "duplicate key (first set on line 5)");
        assertError(GOOD + "seq.1024KiB = 600 MB/s\n", 14, "seq.1024KiB", "already given on line 11");
    }

    @Test
    void nonMonotonicTables() {
        assertError(GOOD.replace("seq.1MiB = 0.5 GB/s", "seq.1MiB = 200 MB/s"), 11, "seq.1MiB",
                "non-monotonic table: bandwidth must not decrease");
        assertError(GOOD.replace("seq.64KiB = 300 MB/s", "seq.64KiB = 1000 MB/s").replace("seq.1MiB = 0.5 GB/s", "seq.1MiB = 2 GB/s"),
                10, "seq.64KiB", "grows faster than the chunk size");
        assertError(GOOD.replace("rand.qd4 = 30000 iops", "rand.qd4 = 9000 iops"), 13, "rand.qd4",
                "non-monotonic table: IOPS must not decrease");
        assertError(GOOD.replace("rand.qd4 = 30000 iops", "rand.qd4 = 50000 iops"), 13, "rand.qd4",
                "grow faster than the queue depth");
    }

    @Test
    void errorsFromFilesNameTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("broken.profile");
        Files.writeString(file, GOOD.replace("seq.4KiB = 40 MB/s", "seq.4KiB = forty"));
        DeviceProfileException e = assertThrows(DeviceProfileException.class, () -> DeviceProfiles.load(file.toString()));
        assertTrue(e.getMessage().startsWith(file + ":9: seq.4KiB: "), e.getMessage());
        DeviceProfileException missing = assertThrows(DeviceProfileException.class,
                () -> ProfileParser.parse(dir.resolve("absent.profile")));
        assertTrue(missing.getMessage().contains("absent.profile") && missing.getMessage().contains("cannot read"));
    }

    static void assertError(String text, int line, String key, String problem) {
        DeviceProfileException e = assertThrows(DeviceProfileException.class, () -> ProfileParser.parse(text, "t.profile"));
        assertEquals("t.profile", e.file());
        assertEquals(line, e.line(), e.getMessage());
        if (key == null) {
            assertNull(e.key(), e.getMessage());
        } else {
            assertEquals(key, e.key(), e.getMessage());
        }
        assertTrue(e.problem().contains(problem), e.getMessage());
        String prefix = line > 0 ? "t.profile:" + line + ": " : "t.profile: ";
        assertTrue(e.getMessage().startsWith(prefix + (key == null ? "" : key + ": ")), e.getMessage());
    }

    static void assertProfilesEqual(DeviceProfile a, DeviceProfile b) {
        assertEquals(a.name(), b.name());
        assertEquals(a.description(), b.description());
        assertEquals(a.source(), b.source());
        assertEquals(a.storage(), b.storage());
        assertEquals(a.dramBytes(), b.dramBytes());
        assertEquals(a.defaultBudget(), b.defaultBudget());
        assertEquals(a.unifiedMemory(), b.unifiedMemory());
        assertEquals(a.blockBytes(), b.blockBytes());
        assertEquals(a.randomChunkBytes(), b.randomChunkBytes());
        assertEquals(a.sequential().size(), b.sequential().size());
        for (int i = 0; i < a.sequential().size(); i++) {
            assertEquals(a.sequential().get(i).chunkBytes(), b.sequential().get(i).chunkBytes());
            assertEquals(a.sequential().get(i).bytesPerSecond(), b.sequential().get(i).bytesPerSecond(),
                    a.sequential().get(i).bytesPerSecond() * 1e-12);
        }
        assertEquals(a.random().size(), b.random().size());
        for (int i = 0; i < a.random().size(); i++) {
            assertEquals(a.random().get(i).queueDepth(), b.random().get(i).queueDepth());
            assertEquals(a.random().get(i).iops(), b.random().get(i).iops(), a.random().get(i).iops() * 1e-12);
            assertEquals(a.random().get(i).latencyMicros(), b.random().get(i).latencyMicros(), 1e-9);
        }
    }
}
