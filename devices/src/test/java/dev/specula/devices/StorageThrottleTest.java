package dev.specula.devices;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageThrottleTest {

    /** A slow SD-card-like device, so that sleeps are long enough to measure. */
    static DeviceProfile slow() {
        return ProfileParser.parse("""
                name = slow-card
                source = synthetic, for tests
                dram = 1GiB
                seq.4KiB = 8 MB/s
                seq.64KiB = 40 MB/s
                seq.1MiB = 80 MB/s
                rand.qd1 = 2000 iops, 500 us
                rand.qd4 = 4000 iops, 1 ms
                """, "slow.profile");
    }

    @Test
    void observedTimeMatchesTheModel() {
        DeviceProfile p = slow();
        StorageThrottle throttle = new StorageThrottle(p);
        SplittableRandom random = new SplittableRandom(42);
        long[] chunks = {4096, 16384, 65536, 262144};
        double predicted = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            long chunk = chunks[random.nextInt(chunks.length)];
            long bytes = chunk * (1 + random.nextInt(4)) - random.nextInt(2) * 1000L;
            int parallelism = 1 + random.nextInt(4);
            predicted += p.readSeconds(bytes, chunk, parallelism);
            throttle.awaitRead(bytes, chunk, parallelism, 0); // a "real" read that took no time
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        assertTrue(predicted > 0.3 && predicted < 2.0, "test pattern should model 0.3-2 s, got " + predicted);
        assertEquals(predicted, elapsed, 0.1 * predicted, "wall time vs model");
        StorageThrottle.Stats stats = throttle.stats();
        assertEquals(300, stats.reads());
        assertEquals(predicted * 1e9, stats.modeledNanos(), 300); // rounding to ns per read
        assertEquals(predicted * 1e9, stats.simulatedNanos(), 0.1 * predicted * 1e9);
        assertEquals(0, stats.realNanos());
        assertEquals(0, stats.fasterThanRealNanos());
    }

    @Test
    void neverSpeedsUp() {
        DeviceProfile p = slow();
        StorageThrottle throttle = new StorageThrottle(p);
        long modeled = Math.round(p.readSeconds(1 << 20, 1 << 20, 1) * 1e9);
        long real = modeled + 5_000_000; // the real device was slower than the profile
        long t0 = System.nanoTime();
        throttle.awaitRead(1 << 20, 1 << 20, 1, real);
        long waited = System.nanoTime() - t0;
        assertTrue(waited < 2_000_000, "should not wait, waited " + waited + " ns");
        StorageThrottle.Stats s = throttle.stats();
        assertEquals(0, s.sleptNanos());
        assertEquals(5_000_000, s.fasterThanRealNanos());
        assertEquals(real, s.simulatedNanos());
        assertEquals(1.0, s.slowdown());
        throttle.reset();
        assertEquals(0, throttle.stats().reads());
    }

    @Test
    void topsUpPartlyFastReads() {
        DeviceProfile p = slow();
        StorageThrottle throttle = new StorageThrottle(p);
        long modeled = Math.round(p.readSeconds(1 << 20, 65536, 2) * 1e9); // ~13 ms
        long t0 = System.nanoTime();
        throttle.awaitRead(1 << 20, 65536, 2, modeled / 2);
        long waited = System.nanoTime() - t0;
        // never less than owed; oversleeping depends on the machine's load, so it is only bounded loosely
        assertTrue(waited >= modeled / 2 - modeled / 100, "waited " + waited + " of " + modeled / 2 + " ns");
        assertTrue(waited < modeled / 2 + 1_000_000_000L, "waited " + waited + " ns");
        assertEquals(waited, throttle.stats().sleptNanos(), modeled * 0.1, "the wait is the recorded sleep");
        assertTrue(throttle.stats().slowdown() > 1.98);
    }
}
