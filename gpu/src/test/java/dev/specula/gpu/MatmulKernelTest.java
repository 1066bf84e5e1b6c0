package dev.specula.gpu;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;

class MatmulKernelTest {

    /** Weights in {@code type} plus the exact float values the kernel sees. */
    record Encoded(MemorySegment data, float[] decoded) { }

    static Encoded encode(GgmlType type, float[] w, Arena arena) {
        float[] dec = new float[w.length];
        MemorySegment s = switch (type) {
            case F32 -> {
                System.arraycopy(w, 0, dec, 0, w.length);
                yield Ref.f32(w, arena);
            }
            case F16 -> Ref.f16(w, dec, arena);
            case BF16 -> Ref.bf16(w, dec, arena);
            case Q8_0 -> Ref.q8_0(w, dec, arena);
            case Q4_0 -> Ref.q4_0(w, dec, arena);
            default -> throw new IllegalArgumentException(type.name());
        };
        return new Encoded(s, dec);
    }

    static Stream<Arguments> shapes() {
        // rows deliberately not multiples of the work-group; quant cols = 32 * odd; float cols odd
        return Stream.of(
                Arguments.of(GgmlType.F32, 67, 131), Arguments.of(GgmlType.F32, 1, 4), Arguments.of(GgmlType.F32, 130, 256),
                Arguments.of(GgmlType.F16, 67, 131), Arguments.of(GgmlType.F16, 33, 96),
                Arguments.of(GgmlType.BF16, 45, 77),
                Arguments.of(GgmlType.Q8_0, 67, 32 * 7), Arguments.of(GgmlType.Q8_0, 3, 32), Arguments.of(GgmlType.Q8_0, 129, 32 * 33),
                Arguments.of(GgmlType.Q4_0, 67, 32 * 7), Arguments.of(GgmlType.Q4_0, 3, 32), Arguments.of(GgmlType.Q4_0, 129, 32 * 33));
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void matvecAndBatchesMatchTheScalarReference(GgmlType type, int rows, int cols) {
        GpuKernels k = Pocl.kernels();
        Random r = new Random(rows * 31L + cols);
        float[] w = Ref.random(r, rows * cols);
        try (Arena arena = Arena.ofConfined()) {
            Encoded e = encode(type, w, arena);
            Tensor t = new Tensor("w", type, new long[] {cols, rows}, e.data());
            for (var placement : OpenClContext.WeightPlacement.values()) {
                try (GpuWeights gw = Pocl.kernels().upload(t, placement)) {
                    for (int batch : new int[] {1, 3, 8, 11}) {
                        float[] x = Ref.random(r, batch * cols);
                        float[] expected = Ref.matmul(e.decoded(), rows, cols, x, batch);
                        Ref.assertClose(expected, k.matmul(gw, x, batch), 1e-4,
                                type + " " + rows + "x" + cols + " batch " + batch + " " + placement);
                    }
                }
            }
        }
    }

    @Test
    void kWaySharedBaseEqualsKSeparateMatvecs() {
        GpuKernels k = Pocl.kernels();
        Random r = new Random(7);
        int rows = 97;
        int cols = 32 * 9;
        int members = GpuKernels.MAX_BATCH;
        try (Arena arena = Arena.ofConfined()) {
            Encoded e = encode(GgmlType.Q8_0, Ref.random(r, rows * cols), arena);
            try (GpuWeights gw = k.upload(new Tensor("w", GgmlType.Q8_0, new long[] {cols, rows}, e.data()))) {
                float[] x = Ref.random(r, members * cols);
                float[] y = k.matmul(gw, x, members);
                for (int m = 0; m < members; m++) {
                    float[] single = k.matmul(gw, Arrays.copyOfRange(x, m * cols, (m + 1) * cols), 1);
                    Ref.assertClose(single, Arrays.copyOfRange(y, m * rows, (m + 1) * rows), 1e-5, "member " + m);
                }
            }
        }
    }

    @Test
    void unsupportedTypeIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = new Tensor("w", GgmlType.Q4_1, new long[] {32, 1}, arena.allocate(20));
            assertThrows(IllegalArgumentException.class, () -> Pocl.kernels().upload(t));
        }
    }

    /** Sanity throughput on PoCL (a CPU: numbers only show the kernels are not pathological). */
    @Test
    void throughputSanity() {
        GpuKernels k = Pocl.kernels();
        OpenClContext ctx = k.context();
        int rows = 2048;
        int cols = 2048;
        Random r = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0}) {
                Encoded e = encode(type, Ref.random(r, rows * cols), arena);
                try (GpuWeights gw = k.upload(new Tensor("w", type, new long[] {cols, rows}, e.data()));
                     DeviceBuffer x = ctx.upload(Ref.random(r, cols * 8));
                     DeviceBuffer y = ctx.allocate(4L * rows * 8)) {
                    for (int batch : new int[] {1, 8}) {
                        k.matmul(gw, x, y, batch);
                        ctx.finish();
                        int iters = 10;
                        long t0 = System.nanoTime();
                        for (int i = 0; i < iters; i++) {
                            k.matmul(gw, x, y, batch);
                        }
                        ctx.finish();
                        double s = (System.nanoTime() - t0) / 1e9 / iters;
                        System.out.printf("[gpu] PoCL matmul %s %dx%d batch %d: %.2f ms, %.2f GB/s of weights%n",
                                type, rows, cols, batch, s * 1e3, gw.bytes() / s / 1e9);
                    }
                }
            }
        }
    }
}
