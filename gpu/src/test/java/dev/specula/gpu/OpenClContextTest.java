package dev.specula.gpu;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenClContextTest {

    @Test
    void buildErrorNamesTheProgramAndCarriesTheLog() {
        OpenClContext ctx = Pocl.context();
        String broken = "__kernel void broken_kernel(__global float* x) { x[0] = undefined_symbol + ; }";
        ProgramBuildException e = assertThrows(ProgramBuildException.class,
                () -> ctx.kernel("deliberately_broken", broken, "", "broken_kernel"));
        assertEquals("deliberately_broken", e.programName());
        assertTrue(e.getMessage().contains("deliberately_broken"), e.getMessage());
        assertTrue(e.buildLog().contains("undefined_symbol"), e.buildLog());
        assertTrue(e.getMessage().contains(e.buildLog().strip()));
        assertEquals(-11, e.code()); // CL_BUILD_PROGRAM_FAILURE
    }

    @Test
    void unknownKernelNameIsAClearError() {
        OpenClContext ctx = Pocl.context();
        OpenClException e = assertThrows(OpenClException.class,
                () -> ctx.kernel("tiny", "__kernel void a(__global float* x) { x[0] = 1; }", "", "b"));
        assertTrue(e.getMessage().contains("b") && e.getMessage().contains("tiny")
                && e.getMessage().contains("CL_INVALID_KERNEL_NAME"), e.getMessage());
    }

    @Test
    void programsAreBuiltOncePerSourceAndOptions() {
        OpenClContext ctx = Pocl.context();
        String src = "__kernel void twice(__global float* x) { x[get_global_id(0)] *= 2.0f; }";
        long k1 = ctx.kernel("twice", src, "", "twice");
        int programs = ctx.programCount();
        long k2 = ctx.kernel("twice", src, "", "twice");
        assertEquals(k1, k2);
        assertEquals(programs, ctx.programCount());
        ctx.kernel("twice", src, "-DSOMETHING=1", "twice");
        assertEquals(programs + 1, ctx.programCount());

        try (DeviceBuffer b = ctx.upload(new float[] {1, 2, 3, 4})) {
            ctx.launch(k1).arg(b).run(new long[] {4}, new long[] {1});
            assertArrayEquals(new float[] {2, 4, 6, 8}, ctx.readFloats(b, 4));
        }
    }

    @Test
    void buffersAreTrackedAndReleased() {
        OpenClContext ctx = Pocl.context();
        long before = ctx.deviceBytes();
        DeviceBuffer b = ctx.allocate(4096);
        assertEquals(before + 4096, ctx.deviceBytes());
        float[] data = Ref.random(new Random(1), 1024);
        ctx.write(b, 0, data, 0, 1024);
        assertArrayEquals(data, ctx.readFloats(b, 1024));
        float[] part = new float[10];
        ctx.read(b, 100, part, 0, 10);
        assertEquals(data[105], part[5]);
        assertThrows(IndexOutOfBoundsException.class, () -> ctx.write(b, 1000, data, 0, 100));
        b.close();
        b.close(); // idempotent
        assertEquals(before, ctx.deviceBytes());
        assertTrue(b.released());
    }

    @Test
    void weightPlacement() {
        OpenClContext ctx = Pocl.context();
        float[] w = Ref.random(new Random(2), 256);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = Ref.f32(w, arena);
            long zc = ctx.zeroCopyBytes();
            long dev = ctx.deviceBytes();
            try (DeviceBuffer alias = ctx.weights(seg, OpenClContext.WeightPlacement.ZERO_COPY);
                 DeviceBuffer copy = ctx.weights(seg, OpenClContext.WeightPlacement.COPY);
                 DeviceBuffer auto = ctx.weights(seg, OpenClContext.WeightPlacement.AUTO);
                 DeviceBuffer heap = ctx.weights(MemorySegment.ofArray(new byte[1024]), OpenClContext.WeightPlacement.AUTO)) {
                assertTrue(alias.zeroCopy());
                assertFalse(copy.zeroCopy());
                // PoCL reports host-unified memory, so AUTO aliases native memory; heap memory is always copied
                assertEquals(ctx.device().hostUnifiedMemory(), auto.zeroCopy());
                assertFalse(heap.zeroCopy());
                assertArrayEquals(w, ctx.readFloats(alias, 256));
                assertArrayEquals(w, ctx.readFloats(copy, 256));
                assertEquals(zc + 1024 * (auto.zeroCopy() ? 2 : 1), ctx.zeroCopyBytes());
                assertEquals(dev + 1024 * (auto.zeroCopy() ? 2 : 3), ctx.deviceBytes());
            }
            assertEquals(zc, ctx.zeroCopyBytes());
            assertEquals(dev, ctx.deviceBytes());
            assertThrows(IllegalArgumentException.class,
                    () -> ctx.weights(MemorySegment.ofArray(new byte[16]), OpenClContext.WeightPlacement.ZERO_COPY));
        }
    }
}
