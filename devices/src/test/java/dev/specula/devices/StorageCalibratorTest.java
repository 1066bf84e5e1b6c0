package dev.specula.devices;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageCalibratorTest {

    static Path workDir() throws IOException {
        // target/ of the module (surefire runs in the module directory); a few MB at most.
        Path dir = Path.of("target", "calibration-test");
        Files.createDirectories(dir);
        return dir;
    }

    static StorageCalibrator.Options quick() {
        return StorageCalibrator.Options.defaults()
                .withFileBytes(4 * ByteSize.MiB)
                .withChunkSizes(List.of(4096L, 65536L, ByteSize.MiB))
                .withQueueDepths(List.of(1, 4))
                .withStepTime(Duration.ofMillis(80))
                .withProfileName("test-machine");
    }

    @Test
    void quickCalibrationGivesAWellFormedProfile() throws IOException {
        Path dir = workDir();
        List<String> stages = new ArrayList<>();
        List<Double> fractions = new ArrayList<>();
        CalibrationListener listener = (stage, fraction) -> {
            if (stages.isEmpty() || !stages.getLast().equals(stage)) {
                stages.add(stage);
            }
            fractions.add(fraction);
        };
        StorageCalibrator.Result result;
        try {
            result = StorageCalibrator.calibrate(dir, quick(), listener);
        } catch (IOException e) {
            // The file system refuses O_DIRECT: the message must say where, then measure through the cache.
            assertTrue(e.getMessage().contains("O_DIRECT") && e.getMessage().contains(dir.toAbsolutePath().toString()),
                    e.getMessage());
            result = StorageCalibrator.calibrate(dir, quick().withAllowPageCache(true), listener);
            assertFalse(result.directIo());
            assertTrue(result.profile().source().contains("page cache"));
        }
        DeviceProfile p = result.profile();
        assertEquals("test-machine", p.name());
        assertEquals(4 * ByteSize.MiB, result.fileBytes());
        assertEquals(List.of(4096L, 65536L, ByteSize.MiB), p.sequential().stream().map(DeviceProfile.SeqPoint::chunkBytes).toList());
        assertEquals(List.of(1, 4), p.random().stream().map(DeviceProfile.RandPoint::queueDepth).toList());
        assertEquals(HostMemory.read().totalBytes(), p.dramBytes());
        assertTrue(p.peakBandwidth() > 1e6, "at least 1 MB/s: " + p.peakBandwidth());
        assertTrue(p.readSeconds(ByteSize.MiB, 65536, 4) > 0);
        assertTrue(p.bestChunkBytes() >= 4096);

        // progress: from write to done, fractions non-decreasing and ending at 1
        assertEquals("write test file", stages.getFirst());
        assertEquals("done", stages.getLast());
        assertTrue(stages.contains("sequential 64KiB") && stages.contains("random 4KiB qd4"), stages.toString());
        for (int i = 1; i < fractions.size(); i++) {
            assertTrue(fractions.get(i) >= fractions.get(i - 1));
        }
        assertEquals(1.0, fractions.getLast());

        // round trip through the writer and the parser
        Path file = dir.resolve("this-machine.profile");
        ProfileWriter.write(p, file, result.comments());
        ProfileParserTest.assertProfilesEqual(p, ProfileParser.parse(file));
        Files.delete(file);

        // the test file is gone
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("specula-calibration")).toList());
        }
    }

    @Test
    void envelopeMakesNoisyMeasurementsConsistent() {
        List<String> notes = new ArrayList<>();
        List<DeviceProfile.SeqPoint> seq = StorageCalibrator.sequentialEnvelope(List.of(
                new DeviceProfile.SeqPoint(4096, 100e6),
                new DeviceProfile.SeqPoint(8192, 300e6),   // faster than twice the 4 KiB rate: capped at 200
                new DeviceProfile.SeqPoint(16384, 150e6)), // slower than 8 KiB: raised to 200
                notes);
        assertEquals(List.of(100e6, 200e6, 200e6), seq.stream().map(DeviceProfile.SeqPoint::bytesPerSecond).toList());
        assertEquals(2, notes.size());
        assertEquals(null, DeviceProfile.checkSequential(seq));
        List<DeviceProfile.RandPoint> rand = StorageCalibrator.randomEnvelope(List.of(
                new DeviceProfile.RandPoint(1, 10_000, 100),
                new DeviceProfile.RandPoint(4, 50_000, 80),
                new DeviceProfile.RandPoint(16, 30_000, 500)), notes);
        assertEquals(List.of(10_000.0, 40_000.0, 40_000.0), rand.stream().map(DeviceProfile.RandPoint::iops).toList());
        assertEquals(null, DeviceProfile.checkRandom(rand));
        assertEquals(1234, StorageCalibrator.round4(1234.4));
        assertEquals(123_500_000, StorageCalibrator.round4(123_456_789));
    }

    @Test
    void rejectsBadOptions() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> quick().withFileBytes(1000));
        assertThrows(IllegalArgumentException.class, () -> quick().withQueueDepths(List.of(2, 4)));
        assertThrows(IllegalArgumentException.class,
                () -> StorageCalibrator.calibrate(workDir(), quick().withChunkSizes(List.of(1000L)), CalibrationListener.NONE));
        IOException e = assertThrows(IOException.class,
                () -> StorageCalibrator.calibrate(workDir().resolve("absent"), quick(), CalibrationListener.NONE));
        assertTrue(e.getMessage().contains("absent"));
    }
}
