package dev.specula.gpu;

import dev.specula.runtime.engine.Attention;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Times each GPU kernel against the CPU kernel doing the same work on the same data, to show where the
 * device pays: decode matvec per weight type, attention at several context lengths (through the
 * {@link Attention} implementations the engine uses, host transfers of q and out included), RMSNorm and
 * SwiGLU over a prefill batch, and batched LoRA (BGMV) against a plain dot-product loop.
 *
 * <p>Each call is timed to completion (the GPU queue is drained after every call), which is what a decode
 * step that needs the result sees. Bandwidth is the bytes a kernel must read and write at least, over the
 * time. Every row also reports the largest difference between the two results, relative to the largest
 * CPU output, so a fast but wrong kernel shows.
 */
public final class KernelBenchmark {

    /** Matvec weight types, in the order reported. */
    public static final List<GgmlType> MATVEC_TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q4_0);

    /**
     * @param matrixSize  rows and columns of the matvec weights (a multiple of 32)
     * @param contexts    attention context lengths
     * @param minTime     how long each measurement runs at least
     * @param minCalls    how many timed calls each measurement makes at least
     */
    public record Options(int matrixSize, List<Integer> contexts, Duration minTime, int minCalls) {
        public Options {
            if (matrixSize <= 0 || matrixSize % 32 != 0) {
                throw new IllegalArgumentException("matrix size must be a positive multiple of 32, got " + matrixSize);
            }
            contexts = List.copyOf(contexts);
            if (contexts.isEmpty() || contexts.stream().anyMatch(c -> c < 1)) {
                throw new IllegalArgumentException("context lengths must be positive: " + contexts);
            }
            Objects.requireNonNull(minTime, "minTime");
            if (minCalls < 1) {
                throw new IllegalArgumentException("at least one call per measurement, got " + minCalls);
            }
        }

        /** 2048x2048 matrices (a 1B model's attention projections), contexts 256, 1024, 4096, 300 ms per figure. */
        public static Options defaults() {
            return new Options(2048, List.of(256, 1024, 4096), Duration.ofMillis(300), 5);
        }
    }

    /**
     * One kernel measured on both sides.
     *
     * @param kernel     what ran, e.g. {@code matvec Q8_0}
     * @param shape      its size, e.g. {@code 2048x2048}
     * @param bytes      bytes the kernel moves at least (weights, caches, inputs and outputs)
     * @param cpuSeconds one call on the CPU
     * @param gpuSeconds one call on the device, NaN without one
     * @param maxError   largest |gpu - cpu| relative to the largest |cpu| output, NaN without a device
     */
    public record Row(String kernel, String shape, long bytes, double cpuSeconds, double gpuSeconds, double maxError) {
        public double cpuGigabytesPerSecond() {
            return bytes / cpuSeconds / 1e9;
        }

        public double gpuGigabytesPerSecond() {
            return bytes / gpuSeconds / 1e9;
        }

        /** How many times faster the device is (below 1: slower); NaN without a device. */
        public double speedup() {
            return cpuSeconds / gpuSeconds;
        }
    }

    /** Untimed calls at least before timing: enough loop iterations for C2 to compile the CPU kernels. */
    private static final int WARMUP_CALLS = 10;
    private static final int HEADS = 32;
    private static final int KV_HEADS = 8;
    private static final int HEAD_DIM = 64;
    private static final int NORM_BATCH = 32;
    private static final int LORA_ADAPTERS = 4;
    private static final int LORA_RANK = 16;
    private static final int LORA_BATCH = 8;

    private final ComputePool pool;
    private final Optional<GpuKernels> gpu;
    private final Options options;

    /** Without {@code gpu} only the CPU side is measured (GPU columns NaN). */
    public KernelBenchmark(ComputePool pool, Optional<GpuKernels> gpu, Options options) {
        this.pool = pool;
        this.gpu = gpu;
        this.options = options;
    }

    /** Runs every measurement, handing each row to {@code onRow} as soon as it is done. */
    public List<Row> run(Consumer<Row> onRow) {
        List<Row> rows = new ArrayList<>();
        Consumer<Row> sink = r -> {
            rows.add(r);
            onRow.accept(r);
        };
        for (GgmlType type : MATVEC_TYPES) {
            sink.accept(matvec(type));
        }
        for (int context : options.contexts()) {
            sink.accept(attention(context));
        }
        sink.accept(rmsnorm());
        sink.accept(swiglu());
        sink.accept(lora());
        return rows;
    }

    Row matvec(GgmlType type) {
        int n = options.matrixSize();
        try (Arena arena = Arena.ofShared()) { // pool threads read the weights
            Tensor t = SyntheticWeights.random(type, n, n, type.id(), arena);
            Weights cpuWeights = WeightsFactory.of(t);
            float[] x = SyntheticWeights.vector(n, 1);
            float[] cpuOut = new float[n];
            double cpu = time(() -> MatMul.matmul(pool, cpuWeights, x, cpuOut, 1), () -> { });
            long bytes = t.byteSize() + 8L * n;
            if (gpu.isEmpty()) {
                return new Row("matvec " + type, n + "x" + n, bytes, cpu, Double.NaN, Double.NaN);
            }
            GpuKernels k = gpu.get();
            OpenClContext ctx = k.context();
            try (GpuWeights w = k.upload(t); DeviceBuffer xb = ctx.upload(x); DeviceBuffer yb = ctx.allocate(4L * n)) {
                double dev = time(() -> k.matmul(w, xb, yb, 1), ctx::finish);
                return new Row("matvec " + type, n + "x" + n, bytes, cpu, dev, relativeError(cpuOut, ctx.readFloats(yb, n)));
            }
        }
    }

    Row attention(int context) {
        ModelConfig config = new ModelConfig(HEADS * HEAD_DIM, 4 * HEADS * HEAD_DIM, 1, HEADS, KV_HEADS, 32, context,
                1e-5f, 10000f, RopeStyle.INTERLEAVED);
        int kvDim = KV_HEADS * HEAD_DIM;
        float[] k = SyntheticWeights.vector(context * kvDim, 2);
        float[] v = SyntheticWeights.vector(context * kvDim, 3);
        float[] q = SyntheticWeights.vector(config.dim(), 4);
        float[] cpuOut = new float[config.dim()];
        float[] gpuOut = new float[config.dim()];
        String shape = String.format("ctx %d, %d/%d heads x %d", context, HEADS, KV_HEADS, HEAD_DIM);
        long bytes = 2L * context * kvDim * 4 + 8L * config.dim();
        double cpu;
        try (Attention a = new CpuAttention(config, context, pool, KvCacheType.F32)) {
            a.store(0, k, v, context, 0);
            cpu = time(() -> a.attend(0, q, 1, context - 1, cpuOut), () -> { });
        }
        if (gpu.isEmpty()) {
            return new Row("attention", shape, bytes, cpu, Double.NaN, Double.NaN);
        }
        try (Attention a = GpuKvCache.create(gpu.get(), config, context)) {
            a.store(0, k, v, context, 0);
            double dev = time(() -> a.attend(0, q, 1, context - 1, gpuOut), () -> { });
            return new Row("attention", shape, bytes, cpu, dev, relativeError(cpuOut, gpuOut));
        }
    }

    Row rmsnorm() {
        int n = options.matrixSize();
        int rows = NORM_BATCH;
        float[] x = SyntheticWeights.vector(rows * n, 5);
        float[] weight = SyntheticWeights.vector(n, 6);
        float[] cpuOut = new float[rows * n];
        float eps = 1e-5f;
        double cpu = time(() -> {
            for (int b = 0; b < rows; b++) {
                VectorMath.rmsnorm(cpuOut, b * n, x, b * n, weight, n, eps);
            }
        }, () -> { });
        long bytes = 4L * (2L * rows * n + n);
        String shape = rows + "x" + n;
        if (gpu.isEmpty()) {
            return new Row("rmsnorm", shape, bytes, cpu, Double.NaN, Double.NaN);
        }
        OpenClContext ctx = gpu.get().context();
        try (DeviceBuffer xb = ctx.upload(x); DeviceBuffer wb = ctx.upload(weight);
             DeviceBuffer ob = ctx.allocate(4L * rows * n)) {
            double dev = time(() -> gpu.get().rmsnorm(xb, wb, ob, rows, n, eps), ctx::finish);
            return new Row("rmsnorm", shape, bytes, cpu, dev, relativeError(cpuOut, ctx.readFloats(ob, rows * n)));
        }
    }

    Row swiglu() {
        int n = NORM_BATCH * 4 * options.matrixSize();
        float[] gate = SyntheticWeights.vector(n, 7);
        float[] up = SyntheticWeights.vector(n, 8);
        float[] cpuOut = gate.clone();
        VectorMath.swiglu(cpuOut, 0, up, 0, n); // the reference result, before timing overwrites cpuOut
        float[] expected = cpuOut.clone();
        double cpu = time(() -> {
            System.arraycopy(gate, 0, cpuOut, 0, n);
            VectorMath.swiglu(cpuOut, 0, up, 0, n);
        }, () -> { });
        long bytes = 12L * n;
        String shape = NORM_BATCH + "x" + 4 * options.matrixSize();
        if (gpu.isEmpty()) {
            return new Row("swiglu", shape, bytes, cpu, Double.NaN, Double.NaN);
        }
        OpenClContext ctx = gpu.get().context();
        try (DeviceBuffer gb = ctx.upload(gate); DeviceBuffer ub = ctx.upload(up); DeviceBuffer ob = ctx.allocate(4L * n)) {
            double dev = time(() -> gpu.get().swiglu(gb, ub, ob, n), ctx::finish);
            return new Row("swiglu", shape, bytes, cpu, dev, relativeError(expected, ctx.readFloats(ob, n)));
        }
    }

    /**
     * BGMV: {@value #LORA_BATCH} rows, each with its own adapter (one row with none), against the CPU doing
     * the same shrink and expand with dot products. Bytes: each row reads its adapter's A and B.
     */
    Row lora() {
        int in = options.matrixSize();
        int out = options.matrixSize();
        int rank = LORA_RANK;
        float[][] a = new float[LORA_ADAPTERS][];
        float[][] b = new float[LORA_ADAPTERS][];
        float[] scales = new float[LORA_ADAPTERS];
        for (int i = 0; i < LORA_ADAPTERS; i++) {
            a[i] = SyntheticWeights.vector(rank * in, 10 + i);
            b[i] = SyntheticWeights.vector(out * rank, 20 + i);
            scales[i] = 2f / rank;
        }
        int[] index = new int[LORA_BATCH];
        int withAdapter = 0;
        for (int r = 0; r < LORA_BATCH; r++) {
            index[r] = r == LORA_BATCH - 1 ? -1 : r % LORA_ADAPTERS;
            withAdapter += index[r] >= 0 ? 1 : 0;
        }
        float[] x = SyntheticWeights.vector(LORA_BATCH * in, 9);
        float[] cpuOut = new float[LORA_BATCH * out];
        float[] t = new float[LORA_BATCH * rank];
        double cpu = time(() -> cpuLora(a, b, scales, index, x, t, cpuOut, in, out, rank), () -> { });
        long bytes = 4L * withAdapter * (rank * in + out * rank) + 4L * LORA_BATCH * (in + 2L * out);
        String shape = String.format("%d rows, %d adapters, rank %d, %dx%d", LORA_BATCH, LORA_ADAPTERS, rank, out, in);
        if (gpu.isEmpty()) {
            return new Row("lora bgmv", shape, bytes, cpu, Double.NaN, Double.NaN);
        }
        GpuKernels k = gpu.get();
        OpenClContext ctx = k.context();
        float[] once = new float[LORA_BATCH * out];
        Arrays.fill(cpuOut, 0);
        cpuLora(a, b, scales, index, x, t, cpuOut, in, out, rank);
        try (GpuLoraSet set = k.uploadLora(a, b, scales, in, out, rank);
             DeviceBuffer xb = ctx.upload(x); DeviceBuffer yb = ctx.upload(once); DeviceBuffer ib = ctx.upload(index);
             DeviceBuffer tb = ctx.allocate(4L * LORA_BATCH * rank)) {
            k.lora(set, xb, yb, ib, tb, LORA_BATCH);
            double error = relativeError(cpuOut, ctx.readFloats(yb, LORA_BATCH * out));
            double dev = time(() -> k.lora(set, xb, yb, ib, tb, LORA_BATCH), ctx::finish);
            return new Row("lora bgmv", shape, bytes, cpu, dev, error);
        }
    }

    /** {@code y[r] += scale_a * B_a (A_a x[r])} for rows with an adapter; as many passes over y as calls. */
    private void cpuLora(float[][] a, float[][] b, float[] scales, int[] index, float[] x, float[] t, float[] y,
                         int in, int out, int rank) {
        for (int r = 0; r < index.length; r++) {
            int ad = index[r];
            if (ad < 0) {
                continue;
            }
            for (int j = 0; j < rank; j++) {
                t[r * rank + j] = VectorMath.dot(a[ad], j * in, x, r * in, in);
            }
        }
        pool.parallelFor(out, (from, to) -> {
            for (int r = 0; r < index.length; r++) {
                int ad = index[r];
                if (ad < 0) {
                    continue;
                }
                for (int o = from; o < to; o++) {
                    y[r * out + o] += scales[ad] * VectorMath.dot(b[ad], o * rank, t, r * rank, rank);
                }
            }
        });
    }

    /**
     * Seconds per call, calling until both the minimum time and count are reached; the same is done once
     * before, untimed, so that the JIT has compiled the Vector API kernels (interpreted, they are ~1000x slower).
     */
    private double time(Runnable call, Runnable drain) {
        measure(call, drain, Math.max(WARMUP_CALLS, options.minCalls()));
        return measure(call, drain, options.minCalls());
    }

    private double measure(Runnable call, Runnable drain, int minCalls) {
        long minNanos = options.minTime().toNanos();
        long start = System.nanoTime();
        long calls = 0;
        long elapsed;
        do {
            call.run();
            drain.run();
            calls++;
            elapsed = System.nanoTime() - start;
        } while (calls < minCalls || elapsed < minNanos);
        return elapsed / 1e9 / calls;
    }

    static double relativeError(float[] expected, float[] actual) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) expected[i] - actual[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }
}
