package dev.specula.runtime.training;

import dev.specula.runtime.kernel.AttentionKernel;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.uncertainty.LogSpace;

import java.util.Arrays;

/**
 * Forward and backward pass of the Llama block stack over one whole sequence, for LoRA training:
 * the base weights are frozen, so the backward pass produces gradients for the LoRA matrices only.
 * The forward caches every activation the backward needs (per layer: block input, normalised
 * inputs, post-RoPE queries and keys, values, attention output, FFN pre-activations and LoRA
 * intermediates {@code A x}); attention probabilities are recomputed in the backward pass rather
 * than stored, which would cost {@code heads * T^2} floats per layer.
 * One instance per concurrently held sequence; not thread-safe.
 */
public final class LoraBackprop {
    private final FrozenModel base;
    private final ModelConfig config;
    private final int maxTokens;
    private final int dim;
    private final int kvDim;
    private final int hidden;
    private final int vocab;
    private final int maxWidth;

    // Per-layer caches, [layer][T * width].
    private final float[][] blockIn;
    private final float[][] attnNormed;
    private final float[][] q;
    private final float[][] k;
    private final float[][] v;
    private final float[][] attnOut;
    private final float[][] ffnIn;
    private final float[][] ffnNormed;
    private final float[][] gate;
    private final float[][] up;
    private final float[][] act;
    /** {@code A x} per layer and projection, [T * rank]; allocated on the first forward that adapts the projection. */
    private final float[][][] loraMid;
    private final float[] finalIn;
    private final float[] finalNormed;
    private final float[] logits;

    // Backward scratch.
    private final float[] dx;
    private final float[] dh;
    private final float[] dNormed;
    private final float[] dq;
    private final float[] dk;
    private final float[] dv;
    private final float[] dAtt;
    private final float[] dGate;
    private final float[] dUp;
    private final float[] tmp;
    private float[] bT = new float[0];
    private float[] gradBT = new float[0];
    private final float[] scores;
    private final float[] dScores;
    private final float[] headScratch;

    private LoraAdapter adapter;
    private TrainableAdapter gradients;
    private TrainingExample example;
    private int length;

    public LoraBackprop(FrozenModel base, int maxTokens) {
        this.base = base;
        this.config = base.config;
        if (maxTokens < 2 || maxTokens > config.contextLength()) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " outside [2, " + config.contextLength() + "]");
        }
        this.maxTokens = maxTokens;
        dim = config.dim();
        kvDim = config.kvDim();
        hidden = config.hiddenDim();
        vocab = config.vocabSize();
        maxWidth = Math.max(dim, hidden);
        int layers = config.layers();
        int t = maxTokens;
        blockIn = new float[layers][t * dim];
        attnNormed = new float[layers][t * dim];
        q = new float[layers][t * dim];
        k = new float[layers][t * kvDim];
        v = new float[layers][t * kvDim];
        attnOut = new float[layers][t * dim];
        ffnIn = new float[layers][t * dim];
        ffnNormed = new float[layers][t * dim];
        gate = new float[layers][t * hidden];
        up = new float[layers][t * hidden];
        act = new float[layers][t * hidden];
        loraMid = new float[layers][LoraTarget.values().length][];
        finalIn = new float[t * dim];
        finalNormed = new float[t * dim];
        logits = new float[Math.multiplyExact(t, vocab)];
        dx = new float[t * dim];
        dh = new float[t * dim];
        dNormed = new float[t * maxWidth];
        dq = new float[t * dim];
        dk = new float[t * kvDim];
        dv = new float[t * kvDim];
        dAtt = new float[t * dim];
        dGate = new float[t * hidden];
        dUp = new float[t * hidden];
        tmp = new float[t * maxWidth];
        scores = new float[config.heads() * t];
        dScores = new float[config.heads() * t];
        headScratch = new float[config.heads() * config.headDim()];
    }

    /**
     * Logits of the last forward, {@code [position * vocab + token]} for positions {@code < length - 1};
     * valid until {@link #backward}, which turns them into their gradient.
     */
    public float[] logits() {
        return logits;
    }

    /**
     * Runs the sequence through the model with {@code adapter} applied and caches the activations.
     * Returns the log-likelihood of the example's scored tokens, summed.
     */
    public double forward(LoraAdapter adapter, TrainingExample example) {
        int n = example.tokens().length - 1;
        if (n > maxTokens) {
            throw new IllegalArgumentException("example of " + (n + 1) + " tokens exceeds " + (maxTokens + 1));
        }
        this.adapter = adapter;
        this.example = example;
        this.length = n;
        int[] tokens = example.tokens();
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= vocab || tokens[t + 1] < 0 || tokens[t + 1] >= vocab) {
                throw new IllegalArgumentException("token id outside the vocabulary of " + vocab + " at " + t);
            }
        }
        float[] x = finalIn;
        for (int t = 0; t < n; t++) {
            base.embedding.row(tokens[t], x, t * dim);
        }
        for (int l = 0; l < config.layers(); l++) {
            System.arraycopy(x, 0, blockIn[l], 0, n * dim);
            normalize(x, attnNormed[l], base.attnNorm[l], n);
            linear(l, LoraTarget.Q, attnNormed[l], q[l], n);
            linear(l, LoraTarget.K, attnNormed[l], k[l], n);
            linear(l, LoraTarget.V, attnNormed[l], v[l], n);
            for (int t = 0; t < n; t++) {
                base.rope.apply(q[l], t * dim, config.heads(), t, config.ropeStyle());
                base.rope.apply(k[l], t * kvDim, config.kvHeads(), t, config.ropeStyle());
            }
            attend(l, n);
            linear(l, LoraTarget.O, attnOut[l], tmp, n);
            VectorMath.add(x, 0, tmp, 0, n * dim);

            System.arraycopy(x, 0, ffnIn[l], 0, n * dim);
            normalize(x, ffnNormed[l], base.ffnNorm[l], n);
            linear(l, LoraTarget.GATE, ffnNormed[l], gate[l], n);
            linear(l, LoraTarget.UP, ffnNormed[l], up[l], n);
            System.arraycopy(gate[l], 0, act[l], 0, n * hidden);
            VectorMath.swiglu(act[l], 0, up[l], 0, n * hidden);
            linear(l, LoraTarget.DOWN, act[l], tmp, n);
            VectorMath.add(x, 0, tmp, 0, n * dim);
        }
        normalize(x, finalNormed, base.outputNorm, n);
        MatMul.matmul(base.pool, base.output, finalNormed, logits, n);
        double total = 0;
        for (int t = example.firstTarget() - 1; t < n; t++) {
            total += logits[t * vocab + tokens[t + 1]] - LogSpace.logSumExp(logits, t * vocab, vocab);
        }
        return total;
    }

    /**
     * Adds {@code weight * d(log-likelihood)/d(theta)} of the last forward to the gradients in
     * {@code gradients}, which must belong to the adapter that forward ran with.
     */
    public void backward(TrainableAdapter gradients, float weight) {
        if (adapter == null || gradients.adapter() != adapter) {
            throw new IllegalStateException("backward needs the gradients of the adapter of the last forward");
        }
        this.gradients = gradients;
        int n = length;
        int[] tokens = example.tokens();
        // d(sum log p)/d logits = onehot(target) - softmax, at scored positions only; logits become their gradient.
        for (int t = 0; t < n; t++) {
            int off = t * vocab;
            if (t < example.firstTarget() - 1) {
                Arrays.fill(logits, off, off + vocab, 0f);
                continue;
            }
            VectorMath.softmax(logits, off, vocab);
            VectorMath.scale(logits, off, vocab, -weight);
            logits[off + tokens[t + 1]] += weight;
        }
        MatMul.matmul(base.pool, base.outputTransposed, logits, dNormed, n);
        Arrays.fill(dx, 0, n * dim, 0f);
        normalizeBackward(finalIn, base.outputNorm, dNormed, dx, n);
        for (int l = config.layers() - 1; l >= 0; l--) {
            // Layer 0's input is the frozen embedding: no gradient needed below its Q, K, V.
            boolean needInput = l > 0;
            // Feed-forward half: x_out = ffnIn + down(swiglu(gate, up)), so dx flows to the residual unchanged.
            System.arraycopy(dx, 0, dh, 0, n * dim);
            linearBackward(l, LoraTarget.DOWN, act[l], dx, tmp, n, true);
            swigluBackward(gate[l], up[l], tmp, n);
            linearBackward(l, LoraTarget.GATE, ffnNormed[l], dGate, dNormed, n, true);
            linearBackward(l, LoraTarget.UP, ffnNormed[l], dUp, tmp, n, true);
            VectorMath.add(dNormed, 0, tmp, 0, n * dim);
            normalizeBackward(ffnIn[l], base.ffnNorm[l], dNormed, dh, n);

            // Attention half: h = blockIn + o(attention(rope(q), rope(k), v)).
            System.arraycopy(dh, 0, dx, 0, n * dim);
            linearBackward(l, LoraTarget.O, attnOut[l], dh, dAtt, n, true);
            attendBackward(l, n);
            for (int t = 0; t < n; t++) {
                ropeTransposed(dq, t * dim, config.heads(), t);
                ropeTransposed(dk, t * kvDim, config.kvHeads(), t);
            }
            linearBackward(l, LoraTarget.Q, attnNormed[l], dq, dNormed, n, needInput);
            linearBackward(l, LoraTarget.K, attnNormed[l], dk, tmp, n, needInput);
            if (needInput) {
                VectorMath.add(dNormed, 0, tmp, 0, n * dim);
            }
            linearBackward(l, LoraTarget.V, attnNormed[l], dv, tmp, n, needInput);
            if (needInput) {
                VectorMath.add(dNormed, 0, tmp, 0, n * dim);
                normalizeBackward(blockIn[l], base.attnNorm[l], dNormed, dx, n);
            }
        }
    }

    private void normalize(float[] in, float[] out, float[] weight, int n) {
        for (int t = 0; t < n; t++) {
            VectorMath.rmsnorm(out, t * dim, in, t * dim, weight, dim, config.rmsNormEps());
        }
    }

    /**
     * Adds to {@code dIn} the gradient of RMSNorm's input: with {@code y = x * inv * w},
     * {@code dx = inv * (w*dy) - x * inv^3 / n * sum(x * w * dy)}.
     */
    private void normalizeBackward(float[] in, float[] weight, float[] dOut, float[] dIn, int n) {
        for (int t = 0; t < n; t++) {
            int off = t * dim;
            float inv = (float) (1.0 / Math.sqrt(VectorMath.dot(in, off, in, off, dim) / dim + config.rmsNormEps()));
            double dot = 0;
            for (int i = 0; i < dim; i++) {
                dot += (double) in[off + i] * weight[i] * dOut[off + i];
            }
            float c = (float) (dot * inv * inv * inv / dim);
            for (int i = 0; i < dim; i++) {
                dIn[off + i] += inv * weight[i] * dOut[off + i] - c * in[off + i];
            }
        }
    }

    /** {@code out = W in + scale * B (A in)} for {@code n} rows, caching {@code A in}. */
    private void linear(int layer, LoraTarget p, float[] in, float[] out, int n) {
        MatMul.matmul(base.pool, base.weights[layer][p.ordinal()], in, out, n);
        if (!adapter.has(p)) {
            return;
        }
        float[] a = adapter.a(p, layer);
        int r = adapter.rank();
        int inW = p.in(config);
        int outW = p.out(config);
        float[] mid = loraMid[layer][p.ordinal()];
        if (mid == null || mid.length < maxTokens * r) {
            mid = loraMid[layer][p.ordinal()] = new float[maxTokens * r];
        }
        float[] bT = transposeB(p, layer);
        float scale = adapter.scale();
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < r; j++) {
                mid[t * r + j] = VectorMath.dot(a, j * inW, in, t * inW, inW);
                VectorMath.axpy(scale * mid[t * r + j], bT, j * outW, out, t * outW, outW);
            }
        }
    }

    /**
     * B transposed to {@code [rank, out]} in scratch, so the rank-r products run as r long
     * vector operations per token instead of {@code out} tiny ones.
     */
    private float[] transposeB(LoraTarget p, int layer) {
        int r = adapter.rank();
        int outW = p.out(config);
        float[] b = adapter.b(p, layer);
        if (bT.length < outW * r) {
            bT = new float[outW * r];
            gradBT = new float[outW * r];
        }
        for (int o = 0; o < outW; o++) {
            for (int j = 0; j < r; j++) {
                bT[j * outW + o] = b[o * r + j];
            }
        }
        return bT;
    }

    /**
     * Backward of {@link #linear}: accumulates dA and dB and, when {@code needInput}, writes (not
     * adds) {@code dIn = W^T dOut + A^T dMid}.
     */
    private void linearBackward(int layer, LoraTarget p, float[] in, float[] dOut, float[] dIn, int n,
                                boolean needInput) {
        int inW = p.in(config);
        int outW = p.out(config);
        if (needInput) {
            MatMul.matmul(base.pool, base.transposed[layer][p.ordinal()], dOut, dIn, n);
        }
        if (!adapter.has(p)) {
            return;
        }
        int r = adapter.rank();
        float[] a = adapter.a(p, layer);
        float[] bT = transposeB(p, layer);
        float[] mid = loraMid[layer][p.ordinal()];
        float[] gA = gradients.gradA(p, layer);
        float[] gB = gradients.gradB(p, layer);
        float scale = adapter.scale();
        Arrays.fill(gradBT, 0, outW * r, 0f);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < r; j++) {
                // dB^T[j] += scale * mid_t[j] * dy_t;  dMid_t[j] = scale * B^T[j] . dy_t
                VectorMath.axpy(scale * mid[t * r + j], dOut, t * outW, gradBT, j * outW, outW);
                float g = scale * VectorMath.dot(bT, j * outW, dOut, t * outW, outW);
                VectorMath.axpy(g, in, t * inW, gA, j * inW, inW);
                if (needInput) {
                    VectorMath.axpy(g, a, j * inW, dIn, t * inW, inW);
                }
            }
        }
        for (int o = 0; o < outW; o++) {
            for (int j = 0; j < r; j++) {
                gB[o * r + j] += gradBT[j * outW + o];
            }
        }
    }

    private void attend(int layer, int n) {
        int headDim = config.headDim();
        int group = config.groupSize();
        float[] ql = q[layer];
        float[] kl = k[layer];
        float[] vl = v[layer];
        float[] out = attnOut[layer];
        base.pool.parallelFor(config.heads(), (from, to) -> {
            for (int h = from; h < to; h++) {
                int kvOff = (h / group) * headDim;
                for (int t = 0; t < n; t++) {
                    int off = t * dim + h * headDim;
                    AttentionKernel.attendHead(ql, off, kl, vl, kvOff, kvDim, t + 1, headDim, scores, h * maxTokens, out, off);
                }
            }
        });
    }

    /**
     * Gradients of causal attention for queries, keys and values (post-RoPE), from {@code dAtt}.
     * Parallel over key/value heads: the query heads of one group all write that group's dK and dV.
     */
    private void attendBackward(int layer, int n) {
        int headDim = config.headDim();
        int group = config.groupSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] ql = q[layer];
        float[] kl = k[layer];
        float[] vl = v[layer];
        Arrays.fill(dq, 0, n * dim, 0f);
        Arrays.fill(dk, 0, n * kvDim, 0f);
        Arrays.fill(dv, 0, n * kvDim, 0f);
        base.pool.parallelFor(config.kvHeads(), (from, to) -> {
            for (int kv = from; kv < to; kv++) {
                int kvOff = kv * headDim;
                for (int h = kv * group; h < (kv + 1) * group; h++) {
                    int p0 = h * maxTokens;
                    for (int t = 0; t < n; t++) {
                        int off = t * dim + h * headDim;
                        // Recompute the probabilities of this query row (scratch output discarded).
                        AttentionKernel.attendHead(ql, off, kl, vl, kvOff, kvDim, t + 1, headDim, scores, p0,
                                headScratch, h * headDim);
                        double sum = 0;
                        for (int p = 0; p <= t; p++) {
                            float dp = VectorMath.dot(dAtt, off, vl, p * kvDim + kvOff, headDim);
                            dScores[p0 + p] = dp;
                            sum += scores[p0 + p] * dp;
                            VectorMath.axpy(scores[p0 + p], dAtt, off, dv, p * kvDim + kvOff, headDim);
                        }
                        for (int p = 0; p <= t; p++) {
                            float ds = (float) (scores[p0 + p] * (dScores[p0 + p] - sum)) * scale;
                            VectorMath.axpy(ds, kl, p * kvDim + kvOff, dq, off, headDim);
                            VectorMath.axpy(ds, ql, off, dk, p * kvDim + kvOff, headDim);
                        }
                    }
                }
            }
        });
    }

    /** In place {@code dGate, dUp} from {@code dAct} for {@code act = silu(gate) * up}. */
    private void swigluBackward(float[] g, float[] u, float[] dAct, int n) {
        for (int i = 0; i < n * hidden; i++) {
            float x = g[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-x)));
            float silu = x * sig;
            dUp[i] = dAct[i] * silu;
            dGate[i] = dAct[i] * u[i] * sig * (1f + x * (1f - sig));
        }
    }

    /**
     * Applies the transposed rotation. With N negating the second element of every rotated pair,
     * {@code R(-theta) = N R(theta) N}, so the forward kernel serves the backward too.
     */
    private void ropeTransposed(float[] vec, int off, int heads, int pos) {
        negateSeconds(vec, off, heads);
        base.rope.apply(vec, off, heads, pos, config.ropeStyle());
        negateSeconds(vec, off, heads);
    }

    private void negateSeconds(float[] vec, int off, int heads) {
        int headDim = config.headDim();
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int at = config.ropeStyle() == RopeStyle.INTERLEAVED ? base + 2 * i + 1 : base + half + i;
                vec[at] = -vec[at];
            }
        }
    }
}
