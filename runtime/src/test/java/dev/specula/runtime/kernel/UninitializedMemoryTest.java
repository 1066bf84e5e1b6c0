package dev.specula.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class UninitializedMemoryTest {

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
}
