package dev.specula.runtime.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentReaderTest {

    @Test
    void mapsAFileInASharedOrGlobalArena(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("f.bin"), new byte[]{1, 0, 0, 0, 7});
        try (Arena arena = Arena.ofShared()) {
            SegmentReader in = SegmentReader.open(file, arena);
            assertEquals(5, in.size());
            assertEquals(1, in.i32("first"));
        }
        assertEquals(5, SegmentReader.open(file, Arena.global()).size());
    }

    @Test
    void refusesAConfinedArenaNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("f.bin"), new byte[8]);
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentReader.open(file, arena));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("shared arena"), e.getMessage());
        }
    }
}
