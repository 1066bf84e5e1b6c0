package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class UninitializedMemoryTest {

    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    @Test
    void segmentsAreAlignedSizedAndWritableToTheirLastByte() {
        for (long bytes : new long[] {1, 1000, 3 << 20}) {
            MemorySegment s = UninitializedMemory.allocate(bytes, 64);
            assertEquals(0, s.address() % 64, "aligned");
            assertEquals(bytes, s.byteSize());
            s.fill((byte) 7);
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    /**
     * A large block starts on a huge page's boundary and, where Linux offers transparent huge pages to those who ask,
     * its mapping holds some once written.
     */
    @Test
    void largeBlocksSitOnHugePages() throws IOException {
        MemorySegment s = UninitializedMemory.allocate(8 * UninitializedMemory.HUGE_PAGE, 64);
        assertEquals(0, s.address() % UninitializedMemory.HUGE_PAGE);
        s.fill((byte) 1);
        assumeTrue(Files.isReadable(THP) && !Files.readString(THP).contains("[never]"), "no transparent huge pages");
        assertTrue(anonHugeKiB(s.address()) > 0, "huge pages in the block's mapping");
    }

    /** The {@code AnonHugePages} of the mapping in {@code /proc/self/smaps} that holds {@code address}. */
    private static long anonHugeKiB(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            String[] range = line.split(" ", 2)[0].split("-");
            if (range.length == 2 && line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                inside = Long.compareUnsigned(HexFormat.fromHexDigitsToLong(range[0]), address) <= 0
                        && Long.compareUnsigned(address, HexFormat.fromHexDigitsToLong(range[1])) < 0;
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
