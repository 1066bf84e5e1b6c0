package dev.specula.devices;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostMemoryTest {

    @Test
    void parsesProcText() {
        HostMemory m = HostMemory.parse("""
                MemTotal:       24600000 kB
                MemFree:         1000000 kB
                MemAvailable:   20000000 kB
                Buffers:          100000 kB
                """, """
                Name:   java
                VmHWM:    300000 kB
                VmRSS:    250000 kB
                RssAnon:	   40000 kB
                RssFile:	  209000 kB
                RssShmem:	    1000 kB
                """);
        assertEquals(24600000L * 1024, m.totalBytes());
        assertEquals(20000000L * 1024, m.availableBytes());
        assertEquals(250000L * 1024, m.rssBytes());
        assertEquals(300000L * 1024, m.peakRssBytes());
        assertEquals(40000L * 1024, m.rssAnonBytes());
        assertEquals(209000L * 1024, m.rssFileBytes());
        assertTrue(m.fromProc());
    }

    @Test
    void oldKernelsAndMissingFields() {
        HostMemory m = HostMemory.parse("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 50 kB\n", "VmRSS: 20 kB\n");
        assertEquals(160 * 1024, m.availableBytes());
        assertEquals(-1, m.peakRssBytes());
        assertEquals(-1, m.rssAnonBytes());
        assertEquals(-1, m.rssFileBytes());
        assertNull(HostMemory.parse("MemFree: 1 kB\n", "VmRSS: 1 kB\n"));
        assertNull(HostMemory.parse("MemTotal: 1 kB\n", "Name: x\n"));
    }

    @Test
    void readsThisMachine() {
        HostMemory m = HostMemory.read();
        assertTrue(m.totalBytes() > 0);
        assertTrue(m.availableBytes() >= 0 && m.availableBytes() <= m.totalBytes());
        assertTrue(m.rssBytes() > 0 && m.rssBytes() < m.totalBytes());
        if (m.fromProc()) {
            assertTrue(m.peakRssBytes() >= m.rssBytes());
            // the split is read in the same pass as the total, so it adds up (RssShmem is the rest)
            assertTrue(m.rssAnonBytes() > 0 && m.rssFileBytes() > 0);
            assertTrue(m.rssAnonBytes() + m.rssFileBytes() <= m.rssBytes());
        }
        assertFalse(m.toString().isBlank());
        HostMemory f = HostMemory.fallback();
        assertFalse(f.fromProc());
        assertEquals(-1, f.rssAnonBytes());
        assertTrue(f.totalBytes() > 0 && f.rssBytes() > 0);
    }
}
