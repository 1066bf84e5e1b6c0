package dev.specula.runtime.kernel;

import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix products of a TinyLlama feed-forward matrix (5632 x 2048) per weight type, held as each {@link WeightLayout}
 * holds it: read in place ({@code MAPPED}), or copied into the interleaved layout engines use for Q4_0, Q4_K, Q8_0,
 * Q6_K, F16 and BF16 ({@code INTERLEAVED}; {@code INTERLEAVED_WIDE}, Q4_0's wider groups for one sequence):
 * batch 1 is decode (memory bound: compare bytes/s with `specula bench`'s bandwidth), batch 32 a
 * prompt batch (compute bound). Matrices are cycled so the weights do not sit in cache: with six (40 MB of Q4_0)
 * part of them stayed in a 32 MB L3 and one thread's interleaved Q4_0 read 0.57 ns per 32 values, against 0.88
 * across a whole model.
 * The fork runs without the Vector API's bounds checks, as the {@code specula} launcher does.
 * Run with {@code mvn -Pjmh -pl runtime -am verify -DskipTests [-Djmh.args="..."]}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector",
    "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0"})
public class KernelBenchmark {

    private static final int ROWS = 5632;
    private static final int COLS = 2048;
    private static final int MATRICES = 16;

    @Param({"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public GgmlType type;

    @Param({"MAPPED", "INTERLEAVED", "INTERLEAVED_WIDE"})
    public WeightLayout layout;

    @Param({"1", "32"})
    public int batch;

    @Param({"2"})
    public int threads;

    private final Arena arena = Arena.ofShared();
    private ComputePool pool;
    private Weights[] weights;
    private float[] x;
    private float[] out;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(1);
        weights = new Weights[MATRICES];
        for (int m = 0; m < MATRICES; m++) {
            float[] values = new float[ROWS * COLS];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * 0.02f;
            }
            // Off-heap, as a mapped model is, so the kernels read the kind of segment they read in use.
            Tensor onHeap = ScalarQuant.tensor(type, values, ROWS, COLS);
            MemorySegment data = arena.allocate(onHeap.data().byteSize(), 64).copyFrom(onHeap.data());
            Tensor t = new Tensor(onHeap.name(), type, onHeap.dims(), data);
            weights[m] = layout.weights(t);
        }
        x = new float[batch * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[batch * ROWS];
        pool = new ComputePool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        Weights w = weights[next];
        next = (next + 1) % MATRICES;
        MatMul.matmul(pool, w, x, out, batch);
        return out;
    }
}
