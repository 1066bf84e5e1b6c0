package dev.specula.gpu;

import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;


/**
 * The Specula kernels on one {@link OpenClContext}. Two flavours of every operation: buffer-resident
 * (arguments are {@link DeviceBuffer}s, nothing crosses the bus; what an engine uses) and plain
 * {@code float[]} in/out (uploads, runs, reads back; for tests and one-off calls).
 *
 * <p>All launches go to the context's in-order queue; the buffer-resident methods return once the
 * kernel is enqueued, reads ({@link OpenClContext#read}) wait for it. Launches are serialised on the
 * context, so one instance may be shared by threads.
 */
public final class GpuKernels {

    /** Batch rows the K-way matmul handles per launch; larger batches take several launches. */
    public static final int MAX_BATCH = 8;
    /** Preferred work-group size (clamped to what the device allows). */
    public static final int PREFERRED_WG = 64;
    /** Largest attention chunk the automatic split uses (positions). */
    public static final int MAX_AUTO_CHUNK = 1024;

    private final OpenClContext ctx;
    private final int wg;

    public GpuKernels(OpenClContext ctx) {
        this.ctx = ctx;
        this.wg = (int) Math.min(PREFERRED_WG, Long.highestOneBit(Math.max(1, ctx.device().maxWorkGroupSize())));
    }

    public OpenClContext context() {
        return ctx;
    }

    /** The work-group size the kernels are compiled for. */
    public int workGroupSize() {
        return wg;
    }

    private long kernel(String program, String extraOptions, String name) {
        String options = "-DWG=" + wg + (extraOptions.isEmpty() ? "" : " " + extraOptions);
        long k = ctx.kernel(program, KernelSources.program(program), options, name);
        if (ctx.workGroupSize(k, wg) < wg) {
            throw new OpenClException("kernel " + name + " cannot run with work-group size " + wg + " on "
                    + ctx.device().name());
        }
        return k;
    }

    private long[] groups(long count) {
        return new long[] {count * wg};
    }

    private long[] local() {
        return new long[] {wg};
    }

    private long[] roundUp(long n) {
        return new long[] {(n + wg - 1) / wg * wg};
    }

    // ---------------------------------------------------------------- weights and matmul

    /** Places a 2-D weight tensor on the device (zero-copy where the device shares host memory). */
    public GpuWeights upload(Tensor t) {
        return upload(t, OpenClContext.WeightPlacement.AUTO);
    }

    public GpuWeights upload(Tensor t, OpenClContext.WeightPlacement placement) {
        String kernelName = matmulKernelName(t.type());
        if (kernelName == null) {
            throw new IllegalArgumentException("no GPU matmul kernel for " + t);
        }
        return new GpuWeights(t.name(), t.type(), t.rows(), t.cols(), ctx.weights(t.data(), placement));
    }

    static String matmulKernelName(GgmlType type) {
        return switch (type) {
            case F32 -> "matmul_f32";
            case F16 -> "matmul_f16";
            case BF16 -> "matmul_bf16";
            case Q8_0 -> "matmul_q8_0";
            case Q4_0 -> "matmul_q4_0";
            default -> null;
        };
    }

    /**
     * {@code y[b][r] = sum_c W[r][c] x[b][c]} for {@code b < batch}: x is {@code batch x cols}, y is
     * {@code batch x rows}. Batch 1 is the decode matvec; larger batches read each weight row once per
     * {@link #MAX_BATCH} rows (K-way shared-base matmul).
     */
    public void matmul(GpuWeights w, DeviceBuffer x, DeviceBuffer y, int batch) {
        if (batch <= 0) {
            return;
        }
        checkFloats(x, (long) batch * w.cols(), "x");
        checkFloats(y, (long) batch * w.rows(), "y");
        String name = matmulKernelName(w.type());
        synchronized (ctx) {
            for (int b0 = 0; b0 < batch; b0 += MAX_BATCH) {
                int k = Math.min(MAX_BATCH, batch - b0);
                long kernel = kernel("matmul", "-DEXACT_K -DMAX_K=" + k, name);
                ctx.launch(kernel).arg(w.buffer()).arg(x).arg(y).arg(w.rows()).arg(w.cols()).arg(k)
                        .arg(b0 * w.cols()).arg(b0 * w.rows())
                        .run(groups(w.rows()), local());
            }
        }
    }

    public float[] matmul(GpuWeights w, float[] x, int batch) {
        try (DeviceBuffer xb = ctx.allocate(4L * batch * w.cols());
             DeviceBuffer yb = ctx.allocate(4L * batch * w.rows())) {
            ctx.write(xb, 0, x, 0, batch * w.cols());
            matmul(w, xb, yb, batch);
            return ctx.readFloats(yb, batch * w.rows());
        }
    }

    // ---------------------------------------------------------------- norms and elementwise

    /** {@code out[b] = weight * x[b] / rms(x[b])} for {@code batch} rows of {@code n}; out may alias x. */
    public void rmsnorm(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer out, int batch, int n, float eps) {
        checkFloats(x, (long) batch * n, "x");
        checkFloats(out, (long) batch * n, "out");
        checkFloats(weight, n, "weight");
        synchronized (ctx) {
            ctx.launch(kernel("elementwise", "", "rmsnorm")).arg(x).arg(weight).arg(out).arg(n).arg(eps)
                    .run(groups(batch), local());
        }
    }

    public float[] rmsnorm(float[] x, float[] weight, int batch, float eps) {
        int n = weight.length;
        try (DeviceBuffer xb = ctx.allocate(4L * batch * n); DeviceBuffer wb = ctx.upload(weight)) {
            ctx.write(xb, 0, x, 0, batch * n);
            rmsnorm(xb, wb, xb, batch, n, eps);
            return ctx.readFloats(xb, batch * n);
        }
    }

    /** {@code out[i] = silu(gate[i]) * up[i]} for {@code i < n}; out may alias gate or up. */
    public void swiglu(DeviceBuffer gate, DeviceBuffer up, DeviceBuffer out, int n) {
        checkFloats(gate, n, "gate");
        checkFloats(up, n, "up");
        checkFloats(out, n, "out");
        synchronized (ctx) {
            ctx.launch(kernel("elementwise", "", "swiglu")).arg(gate).arg(up).arg(out).arg(n).run(roundUp(n), local());
        }
    }

    public float[] swiglu(float[] gate, float[] up, int n) {
        try (DeviceBuffer g = ctx.allocate(4L * n); DeviceBuffer u = ctx.allocate(4L * n)) {
            ctx.write(g, 0, gate, 0, n);
            ctx.write(u, 0, up, 0, n);
            swiglu(g, u, g, n);
            return ctx.readFloats(g, n);
        }
    }

    /** {@code y[i] += x[i]} (residual connection). */
    public void addInPlace(DeviceBuffer y, DeviceBuffer x, int n) {
        checkFloats(y, n, "y");
        checkFloats(x, n, "x");
        synchronized (ctx) {
            ctx.launch(kernel("elementwise", "", "add_inplace")).arg(y).arg(x).arg(n).run(roundUp(n), local());
        }
    }

    /** RoPE inverse frequencies {@code theta^(-2i/headDim)}, computed in double. */
    public static float[] ropeFrequencies(int headDim, float theta) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        }
        return f;
    }

    /**
     * Rotates {@code x} ({@code batch x heads x headDim}) in place; token b is at position startPos + b.
     * {@code freqs} holds {@code headDim / 2} inverse frequencies (see {@link #ropeFrequencies}).
     */
    public void rope(DeviceBuffer x, DeviceBuffer freqs, int batch, int heads, int headDim, int startPos, RopeStyle style) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head size must be even: " + headDim);
        }
        checkFloats(x, (long) batch * heads * headDim, "x");
        checkFloats(freqs, headDim / 2, "freqs");
        int pairs = batch * heads * (headDim / 2);
        synchronized (ctx) {
            ctx.launch(kernel("elementwise", "", "rope")).arg(x).arg(freqs).arg(batch).arg(heads).arg(headDim)
                    .arg(startPos).arg(style == RopeStyle.INTERLEAVED ? 0 : 1).run(roundUp(pairs), local());
        }
    }

    public void rope(float[] x, int batch, int heads, int headDim, int startPos, float[] freqs, RopeStyle style) {
        int n = batch * heads * headDim;
        try (DeviceBuffer xb = ctx.allocate(4L * n); DeviceBuffer fb = ctx.upload(freqs)) {
            ctx.write(xb, 0, x, 0, n);
            rope(xb, fb, batch, heads, headDim, startPos, style);
            ctx.read(xb, 0, x, 0, n);
        }
    }

    // ---------------------------------------------------------------- attention

    /**
     * Causal attention for {@code batch} tokens at positions {@code startPos ..} over one layer's cache
     * ({@code kc}, {@code vc}: capacity x kvHeads*headDim floats, positions 0..startPos+batch-1 filled).
     * Splits the sequence into chunks of {@code chunk} positions (flash-decoding) and merges them;
     * {@code partials} must hold {@link #attentionScratchFloats} floats.
     */
    public void attention(DeviceBuffer q, DeviceBuffer kc, DeviceBuffer vc, DeviceBuffer out, DeviceBuffer partials,
                          int batch, int startPos, int heads, int kvHeads, int headDim, int chunk) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " not a multiple of kvHeads " + kvHeads);
        }
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be positive: " + chunk);
        }
        int len = startPos + batch;
        int nchunks = (len + chunk - 1) / chunk;
        checkFloats(q, (long) batch * heads * headDim, "q");
        checkFloats(out, (long) batch * heads * headDim, "out");
        checkFloats(kc, (long) len * kvHeads * headDim, "k cache");
        checkFloats(vc, (long) len * kvHeads * headDim, "v cache");
        checkFloats(partials, attentionScratchFloats(batch, heads, headDim, nchunks), "partials");
        String opts = "-DMAX_HD=" + headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        synchronized (ctx) {
            long partial = kernel("attention", opts, "attn_partial");
            long combine = kernel("attention", opts, "attn_combine");
            ctx.launch(partial).arg(q).arg(kc).arg(vc).arg(heads).arg(kvHeads).arg(headDim).arg(startPos)
                    .arg(chunk).arg(nchunks).arg(scale).arg(partials)
                    .run(new long[] {(long) nchunks * wg, heads, batch}, new long[] {wg, 1, 1});
            ctx.launch(combine).arg(partials).arg(out).arg(headDim).arg(nchunks)
                    .run(groups((long) batch * heads), local());
        }
    }

    /**
     * Automatic flash-decoding split: enough (token, head, chunk) work-groups to give every compute unit
     * about four, chunks of at least two work-groups' worth of positions and at most {@link #MAX_AUTO_CHUNK}.
     */
    public int autoChunk(int length, int batch, int heads) {
        int groups = Math.max(1, batch * heads);
        int wanted = Math.max(1, (4 * ctx.device().computeUnits() + groups - 1) / groups);
        int chunk = (length + wanted - 1) / wanted;
        chunk = (chunk + wg - 1) / wg * wg;
        return Math.clamp(chunk, 2 * wg, MAX_AUTO_CHUNK);
    }

    /** Number of chunks {@link #attention} uses for a sequence of {@code length} positions. */
    public static int chunks(int length, int chunk) {
        return (length + chunk - 1) / chunk;
    }

    /** Floats of attention scratch for {@code nchunks} chunks. */
    public static long attentionScratchFloats(int batch, int heads, int headDim, int nchunks) {
        return (long) batch * heads * nchunks * (headDim + 2);
    }

    // ---------------------------------------------------------------- LoRA (BGMV)

    /**
     * Uploads {@code a.length} adapters: {@code a[i]} is rank x in (row-major), {@code b[i]} is out x rank,
     * {@code scales[i]} multiplies adapter i's output (usually alpha / rank).
     */
    public GpuLoraSet uploadLora(float[][] a, float[][] b, float[] scales, int in, int out, int rank) {
        int n = a.length;
        if (b.length != n || scales.length != n) {
            throw new IllegalArgumentException("need as many B matrices and scales as A matrices");
        }
        float[] aAll = new float[n * rank * in];
        float[] bAll = new float[n * out * rank];
        for (int i = 0; i < n; i++) {
            if (a[i].length != rank * in || b[i].length != out * rank) {
                throw new IllegalArgumentException("adapter " + i + ": A must be rank x in, B out x rank");
            }
            System.arraycopy(a[i], 0, aAll, i * rank * in, rank * in);
            System.arraycopy(b[i], 0, bAll, i * out * rank, out * rank);
        }
        return new GpuLoraSet(n, in, out, rank, ctx.upload(aAll), ctx.upload(bAll), ctx.upload(scales));
    }

    /**
     * Batched LoRA (Punica BGMV): for every batch row k with {@code adapterIndex[k] >= 0},
     * {@code y[k] += scale_a * B_a (A_a x[k])} with {@code a = adapterIndex[k]}; rows with index -1 are
     * left alone. Two launches for the whole batch: shrink (x to rank) and expand (rank to out).
     * {@code t} is scratch of {@code batch x rank} floats.
     */
    public void lora(GpuLoraSet set, DeviceBuffer x, DeviceBuffer y, DeviceBuffer adapterIndex, DeviceBuffer t, int batch) {
        checkFloats(x, (long) batch * set.in(), "x");
        checkFloats(y, (long) batch * set.out(), "y");
        checkFloats(t, (long) batch * set.rank(), "t");
        checkFloats(adapterIndex, batch, "adapterIndex");
        synchronized (ctx) {
            ctx.launch(kernel("lora", "", "lora_shrink")).arg(x).arg(set.a()).arg(adapterIndex).arg(t)
                    .arg(set.in()).arg(set.rank())
                    .run(new long[] {(long) set.rank() * wg, batch}, new long[] {wg, 1});
            ctx.launch(kernel("lora", "", "lora_expand")).arg(t).arg(set.b()).arg(adapterIndex).arg(set.scales())
                    .arg(y).arg(set.out()).arg(set.rank())
                    .run(new long[] {roundUp(set.out())[0], batch}, new long[] {wg, 1});
        }
    }

    /** {@link #lora} on host arrays: returns y ({@code batch x out}) plus the adapters' contributions. */
    public float[] lora(GpuLoraSet set, float[] x, float[] y, int[] adapterIndex, int batch) {
        for (int i = 0; i < batch; i++) {
            if (adapterIndex[i] >= set.adapters()) {
                throw new IllegalArgumentException("adapter index " + adapterIndex[i] + " >= " + set.adapters());
            }
        }
        try (DeviceBuffer xb = ctx.allocate(4L * batch * set.in());
             DeviceBuffer yb = ctx.allocate(4L * batch * set.out());
             DeviceBuffer ib = ctx.upload(java.util.Arrays.copyOf(adapterIndex, batch));
             DeviceBuffer tb = ctx.allocate(4L * batch * set.rank())) {
            ctx.write(xb, 0, x, 0, batch * set.in());
            ctx.write(yb, 0, y, 0, batch * set.out());
            lora(set, xb, yb, ib, tb, batch);
            return ctx.readFloats(yb, batch * set.out());
        }
    }

    private static void checkFloats(DeviceBuffer b, long floats, String what) {
        if (b.bytes() < 4 * floats) {
            throw new IllegalArgumentException(what + ": buffer of " + b.bytes() + " bytes, need " + 4 * floats);
        }
    }
}
