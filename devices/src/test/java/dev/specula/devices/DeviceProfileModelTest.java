package dev.specula.devices;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceProfileModelTest {

    static DeviceProfile simple() {
        return ProfileParser.parse("""
                name = model
                source = test
                dram = 8GiB
                seq.4KiB = 40 MB/s
                seq.64KiB = 400 MB/s
                seq.1MiB = 1000 MB/s
                rand.qd1 = 10000 iops, 100 us
                rand.qd4 = 32000 iops, 125 us
                rand.qd16 = 64000 iops, 250 us
                """, "model.profile");
    }

    @Test
    void interpolatesExactlyAtTablePointsAndClampsAtTheEnds() {
        for (DeviceProfile p : DeviceProfiles.builtin()) {
            for (DeviceProfile.SeqPoint s : p.sequential()) {
                assertEquals(s.bytesPerSecond(), p.sequentialBandwidth(s.chunkBytes()), s.bytesPerSecond() * 1e-12);
            }
            for (DeviceProfile.RandPoint r : p.random()) {
                assertEquals(r.iops(), p.iops(r.queueDepth()), r.iops() * 1e-12);
                assertEquals(r.latencyMicros(), p.latencyMicros(r.queueDepth()), 1e-9);
            }
            assertEquals(p.sequential().getFirst().bytesPerSecond(), p.sequentialBandwidth(512));
            assertEquals(p.peakBandwidth(), p.sequentialBandwidth(1L << 40));
            assertEquals(p.random().getLast().iops(), p.iops(1 << 20));
        }
    }

    @Test
    void interpolatesLogLinearlyBetweenPoints() {
        DeviceProfile p = simple();
        // 16 KiB is halfway between 4 KiB and 64 KiB in log scale: geometric mean of 40 and 400.
        assertEquals(Math.sqrt(40e6 * 400e6), p.sequentialBandwidth(16 * 1024), 1);
        // qd2 is halfway between qd1 and qd4: geometric mean of the IOPS.
        assertEquals(Math.sqrt(10000.0 * 32000), p.iops(2), 1e-6);
    }

    @Test
    void modelIsMonotone() {
        for (DeviceProfile p : DeviceProfiles.builtin()) {
            // bandwidth non-decreasing and request time non-decreasing in chunk size
            double lastBw = 0;
            double lastT = 0;
            for (long c = 512; c <= 64L << 20; c = c * 3 / 2) {
                double bw = p.sequentialBandwidth(c);
                double t = p.requestSeconds(c);
                assertTrue(bw >= lastBw * (1 - 1e-12), p.name() + " bw at " + c);
                assertTrue(t >= lastT * (1 - 1e-12), p.name() + " t1 at " + c);
                lastBw = bw;
                lastT = t;
            }
            // read time non-decreasing in bytes, non-increasing in parallelism
            for (long chunk : List.of(4096L, 65536L, 1L << 20)) {
                for (int par : List.of(1, 2, 4, 8, 32)) {
                    double last = 0;
                    for (long bytes = 1; bytes <= 256L << 20; bytes = bytes * 5 / 4 + 1) {
                        double t = p.readSeconds(bytes, chunk, par);
                        assertTrue(t >= last * (1 - 1e-12), p.name() + " bytes " + bytes + " chunk " + chunk + " par " + par);
                        last = t;
                    }
                }
                for (long bytes : List.of(4096L, 100_000L, 1L << 20, 64L << 20)) {
                    double last = Double.MAX_VALUE;
                    for (int par = 1; par <= 128; par++) {
                        double t = p.readSeconds(bytes, chunk, par);
                        assertTrue(t <= last * (1 + 1e-12), p.name() + " par " + par);
                        last = t;
                    }
                }
            }
            // speed-up between 1 and q
            for (double q = 1; q <= 256; q *= 1.3) {
                assertTrue(p.speedup(q) >= 1 - 1e-12 && p.speedup(q) <= q + 1e-12, p.name() + " s(" + q + ")");
            }
        }
    }

    @Test
    void readTimeCombinesLatencyAndBandwidth() {
        DeviceProfile p = simple();
        // Small request: the sequential table's 4 KiB rate (102.4 us) is above the 100 us latency.
        assertEquals(4096 / 40e6, p.requestSeconds(4096), 1e-12);
        assertEquals(p.requestSeconds(4096), p.readSeconds(4096, 4096, 8), 1e-15);
        assertEquals(p.requestSeconds(4096), p.readSeconds(1, 1 << 20, 8), 1e-15); // rounded up to a block
        // Big chunk at the end of the table: its own sequential rate, 1 MiB at 1000 MB/s.
        assertEquals((1 << 20) / 1000e6, p.requestSeconds(1 << 20), 1e-12);
        // Transfer rate once the first byte is there: 1 MiB in 1048.576 us minus the 100 us latency.
        double r = (1 << 20) / ((1 << 20) / 1000e6 - 100e-6);
        assertEquals(r, p.transferRate(), 1e-3);
        // Between table points the latency term can bind: 100 us + transfer at that rate.
        assertEquals(Math.max(100e-6 + (524288 - 4096) / r, 524288 / p.sequentialBandwidth(524288)),
                p.requestSeconds(524288), 1e-12);
        // Beyond the table the sequential rate is clamped at the peak.
        assertEquals((4L << 20) / 1000e6, p.requestSeconds(4L << 20), 1e-12);
        // A slow first byte dominates small reads: 300 us.
        DeviceProfile slow = ProfileParser.parse(ProfileWriter.toText(p).replace("100 us", "300 us"), "slow");
        assertEquals(300e-6, slow.requestSeconds(4096), 1e-12);
        assertTrue(slow.requestSeconds(65536) > 65536 / 400e6);
        // Serial reads: n requests one after the other.
        long chunk = 16 * 1024;
        double t1 = p.requestSeconds(chunk);
        assertEquals(64 * t1, p.readSeconds(64 * chunk, chunk, 1), 1e-12);
        // Four in flight: speed-up 3.2 from the random table (32000 / 10000 IOPS).
        assertEquals(64 * t1 / 3.2, p.readSeconds(64 * chunk, chunk, 4), 1e-12);
        // Many in flight: capped by the peak bandwidth.
        assertEquals((64L << 20) / 1000e6, p.readSeconds(64L << 20, 65536, 64), 1e-12);
        // Small chunks are slower than big ones for the same bytes at queue depth 1 (LLM in a Flash, fig. 2b).
        assertTrue(p.readSeconds(8L << 20, 4096, 1) > 10 * p.readSeconds(8L << 20, 1 << 20, 1));
        assertEquals(0, p.readSeconds(0, 4096, 1));
    }

    @Test
    void bestChunkAndQueueDepth() {
        DeviceProfile p = simple();
        // 90% of 1000 MB/s = 900 MB/s: between 64 KiB (400) and 1 MiB (1000): log-linear reaches it near 710 KiB.
        assertEquals(1 << 20, p.bestChunkBytes());
        // 90% of 64000 = 57600 IOPS: qd4 32000, qd16 64000; log-interpolated 57600 at q = 12.96 -> 13.
        assertEquals(13, p.bestQueueDepth());
        for (DeviceProfile b : DeviceProfiles.builtin()) {
            assertTrue(b.sequentialBandwidth(b.bestChunkBytes()) >= 0.9 * b.peakBandwidth(), b.name());
            assertTrue(b.bestChunkBytes() == b.blockBytes()
                    || b.sequentialBandwidth(b.bestChunkBytes() / 2) < 0.9 * b.peakBandwidth(), b.name());
            assertTrue(b.iops(b.bestQueueDepth()) >= 0.9 * b.random().getLast().iops(), b.name());
        }
    }

    @Test
    void rejectsBadArguments() {
        DeviceProfile p = simple();
        assertThrows(IllegalArgumentException.class, () -> p.readSeconds(-1, 4096, 1));
        assertThrows(IllegalArgumentException.class, () -> p.readSeconds(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> p.readSeconds(1, 4096, 0));
        assertThrows(IllegalArgumentException.class, () -> p.withName("Bad Name"));
        assertEquals("other", p.withName("other").name());
    }
}
