package dev.specula.runtime.engine;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.MatMul;
import dev.specula.runtime.kernel.Rope;
import dev.specula.runtime.kernel.VectorMath;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Llama forward pass: embedding, then per block RMSNorm, attention with RoPE and a residual,
 * RMSNorm, feed-forward and a residual; a final RMSNorm and the output head.
 * Prompts run in batches of up to {@code maxBatch} tokens so each weight row is read once per batch;
 * an ensemble's K members decode as one batch of K rows ({@link BatchRows} says what the rows are),
 * with each member's LoRA update ({@link ProjectionDelta}) added after the shared base projections.
 * Not thread-safe: one forward at a time (the service queues requests in front of it).
 */
public final class Transformer {
    /** The most rows the output head runs on at once, and so the most ensemble members. */
    public static final int HEAD_ROWS = 32;

    private final ModelConfig config;
    private final ComputePool pool;
    private final FeedForward feedForward;
    private final int maxBatch;
    private final Weights embedding;
    private final Weights output;
    private final Weights[] wq;
    private final Weights[] wk;
    private final Weights[] wv;
    private final Weights[] wo;
    /** Per layer q, k and v, multiplied in one call. */
    private final Weights[][] qkv;
    private final float[][] qkvOut;
    private final float[][] attnNorm;
    private final float[][] ffnNorm;
    private final float[] outputNorm;
    private final Rope rope;
    /** Rows of logits held at once: a prompt batch's head runs in chunks of this many, for its consumer. */
    private final int headRows;
    // Activations for a batch, allocated once.
    private final float[] x;
    private final float[] xb;
    private final float[] xb2;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] att;
    private final float[] logits;
    private final SequenceRows sequenceRows = new SequenceRows();
    private final MemberRows memberRows;
    private final int[] memberTokens;

    /** A forward pass whose matrices are copied into the faster layout where a type has one. */
    public Transformer(Model model, ComputePool pool, FeedForward feedForward, int maxBatch) {
        this(model, pool, feedForward, maxBatch, WeightLayout.INTERLEAVED);
    }

    /** A forward pass whose attention and output matrices are held as {@code layout} says. */
    public Transformer(Model model, ComputePool pool, FeedForward feedForward, int maxBatch, WeightLayout layout) {
        this.config = model.config();
        this.pool = pool;
        this.feedForward = feedForward;
        this.maxBatch = maxBatch;
        int layers = config.layers();
        embedding = WeightsFactory.of(model.tensor(TensorNames.TOKEN_EMBEDDING));
        output = layout.weights(model.outputHead());
        wq = new Weights[layers];
        wk = new Weights[layers];
        wv = new Weights[layers];
        wo = new Weights[layers];
        qkv = new Weights[layers][];
        attnNorm = new float[layers][];
        ffnNorm = new float[layers][];
        for (int l = 0; l < layers; l++) {
            wq[l] = layout.weights(model.tensor(TensorNames.attnQ(l)));
            wk[l] = layout.weights(model.tensor(TensorNames.attnK(l)));
            wv[l] = layout.weights(model.tensor(TensorNames.attnV(l)));
            wo[l] = layout.weights(model.tensor(TensorNames.attnOutput(l)));
            qkv[l] = new Weights[] {wq[l], wk[l], wv[l]};
            attnNorm[l] = vector(model, TensorNames.attnNorm(l));
            ffnNorm[l] = vector(model, TensorNames.ffnNorm(l));
        }
        outputNorm = vector(model, TensorNames.OUTPUT_NORM);
        rope = new Rope(config.headDim(), config.contextLength(), config.ropeTheta());
        int dim = config.dim();
        x = new float[maxBatch * dim];
        xb = new float[maxBatch * dim];
        xb2 = new float[maxBatch * dim];
        q = new float[maxBatch * dim];
        k = new float[maxBatch * config.kvDim()];
        v = new float[maxBatch * config.kvDim()];
        att = new float[maxBatch * dim];
        qkvOut = new float[][] {q, k, v};
        // A batch of 128 rows of a 128k vocabulary would hold 64 MiB of logits.
        headRows = Math.min(maxBatch, HEAD_ROWS);
        logits = new float[headRows * config.vocabSize()];
        memberRows = new MemberRows(dim, config.kvDim());
        memberTokens = new int[maxBatch];
    }

    private float[] vector(Model model, String name) {
        Tensor t = model.tensor(name);
        if (t.elementCount() != config.dim()) {
            throw new SpeculaException(model.source() + ": tensor " + name + " should hold " + config.dim()
                    + " values, has " + t.elementCount());
        }
        // Norm weights are tiny: dequantize them once, viewed as a single row.
        Weights row = WeightsFactory.of(new Tensor(name, t.type(), new long[]{config.dim(), 1}, t.data()));
        float[] values = new float[config.dim()];
        row.row(0, values, 0);
        return values;
    }

    public ModelConfig config() {
        return config;
    }

    public FeedForward feedForward() {
        return feedForward;
    }

    /** Bytes of weights held copied out of the model file, feed-forward included ({@link Weights#copiedBytes}). */
    public long copiedWeightBytes() {
        return matrices().stream().mapToLong(Weights::copiedBytes).sum();
    }

    /**
     * Every matrix held in memory that a decode step multiplies, layer by layer in the order it does, then the output
     * head: what one token reads of the weights, less one embedding row, the norms and what streams from flash.
     */
    public List<Weights> matrices() {
        List<Weights> all = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            all.addAll(List.of(wq[l], wk[l], wv[l], wo[l]));
            all.addAll(feedForward.matrices(l));
        }
        all.add(output);
        return all;
    }

    /** Most rows one forward batch holds: prompt tokens per batch. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Most ensemble members one batch decodes: the rows of logits held at once. */
    public int maxMembers() {
        return headRows;
    }

    /** A new, empty sequence whose KV cache holds {@code contextLength} positions. */
    public Session newSession(AttentionFactory attention, int contextLength) {
        if (contextLength > config.contextLength()) {
            throw new SpeculaException("context length " + contextLength + " exceeds the model's maximum of "
                    + config.contextLength());
        }
        return new Session(attention.create(config, contextLength));
    }

    /**
     * Appends {@code tokens[offset .. offset+count)} to the session and returns the logits that follow
     * the last of them (a shared buffer, valid until the next call; read {@code [0, vocab)}).
     */
    public float[] forward(Session session, int[] tokens, int offset, int count) {
        return forward(session, tokens, offset, count, null);
    }

    /** Like {@link #forward(Session, int[], int, int)} but hands the logits after every token to {@code consumer}. */
    public float[] forward(Session session, int[] tokens, int offset, int count, LogitsConsumer consumer) {
        return forward(session, tokens, offset, count, null, consumer);
    }

    /**
     * Like {@link #forward(Session, int[], int, int, LogitsConsumer)} with {@code delta} (may be null)
     * added to the base projections: the forward pass of the base model plus one adapter.
     */
    public float[] forward(Session session, int[] tokens, int offset, int count, ProjectionDelta delta,
                           LogitsConsumer consumer) {
        if (count <= 0) {
            throw new IllegalArgumentException("no tokens to process");
        }
        session.reserve(count);
        checkTokens(tokens, offset, count);
        int vocab = config.vocabSize();
        for (int done = 0; done < count; done += maxBatch) {
            int batch = Math.min(maxBatch, count - done);
            boolean last = done + batch == count;
            BatchRows rows = sequenceRows.at(session.attention(), session.position());
            forwardRows(rows, delta, tokens, offset + done, batch);
            session.append(tokens, offset + done, batch);
            if (consumer != null) {
                for (int from = 0; from < batch; from += headRows) {
                    int n = Math.min(headRows, batch - from);
                    head(from, n);
                    for (int b = 0; b < n; b++) {
                        consumer.accept(done + from + b, logits, b * vocab);
                    }
                    if (last && from + n == batch && n > 1) {
                        System.arraycopy(logits, (n - 1) * vocab, logits, 0, vocab);
                    }
                }
            } else if (last) {
                // Only the last token's logits are wanted: a 32000-token head over every row of a prompt
                // batch was 1-2% of a prompt's work.
                head(batch - 1, 1);
            }
        }
        return logits;
    }

    /**
     * Appends {@code token} to each of the K {@code sessions} (all at the same position) in one
     * batch whose row k is session k, so every base weight is read once for all K; {@code perRow}
     * adds row k's own update. Returns K rows of logits, {@code [k*vocab, (k+1)*vocab)}, in a shared buffer.
     */
    float[] forwardMembers(Session[] sessions, int token, ProjectionDelta perRow) {
        int members = sessions.length;
        if (members > headRows) {
            throw new IllegalArgumentException(members + " members exceed the " + headRows + " one batch decodes");
        }
        int position = sessions[0].position();
        for (Session s : sessions) {
            if (s.position() != position) {
                throw new IllegalStateException("ensemble members are at different positions");
            }
            s.reserve(1);
        }
        checkToken(token);
        Arrays.fill(memberTokens, 0, members, token);
        forwardRows(memberRows.at(sessions, position), perRow, memberTokens, 0, members);
        head(0, members);
        for (Session s : sessions) {
            s.append(memberTokens, 0, 1);
        }
        return logits;
    }

    private void checkTokens(int[] tokens, int offset, int count) {
        for (int i = 0; i < count; i++) {
            checkToken(tokens[offset + i]);
        }
    }

    private void checkToken(int token) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new SpeculaException("token id " + token + " is outside the vocabulary of " + config.vocabSize());
        }
    }

    /** The batch's forward pass up to the final norm: its last hidden states in {@code x}. */
    private void forwardRows(BatchRows rows, ProjectionDelta delta, int[] tokens, int offset, int batch) {
        int dim = config.dim();
        int kvDim = config.kvDim();
        for (int b = 0; b < batch; b++) {
            embedding.row(tokens[offset + b], x, b * dim);
        }
        for (int l = 0; l < config.layers(); l++) {
            normalize(x, xb, attnNorm[l], batch);
            MatMul.matmul(pool, qkv[l], xb, qkvOut, batch);
            if (delta != null) {
                delta.apply(LoraTarget.Q, l, xb, q, batch);
                delta.apply(LoraTarget.K, l, xb, k, batch);
                delta.apply(LoraTarget.V, l, xb, v, batch);
            }
            for (int b = 0; b < batch; b++) {
                rope.apply(q, b * dim, config.heads(), rows.position(b), config.ropeStyle());
                rope.apply(k, b * kvDim, config.kvHeads(), rows.position(b), config.ropeStyle());
            }
            rows.attend(l, q, k, v, batch, att);
            project(wo[l], LoraTarget.O, l, delta, att, xb2, batch);
            VectorMath.add(x, 0, xb2, 0, batch * dim);

            normalize(x, xb, ffnNorm[l], batch);
            feedForward.forward(l, xb, xb2, batch, delta);
            VectorMath.add(x, 0, xb2, 0, batch * dim);
        }
    }

    /** The logits of rows {@code [first, first + count)} of the batch just run, from {@code logits[0]}. */
    private void head(int first, int count) {
        int dim = config.dim();
        for (int b = 0; b < count; b++) {
            VectorMath.rmsnorm(xb, b * dim, x, (first + b) * dim, outputNorm, dim, config.rmsNormEps());
        }
        MatMul.matmul(pool, output, xb, logits, count);
    }

    private void project(Weights w, LoraTarget target, int layer, ProjectionDelta delta, float[] in, float[] out,
                         int batch) {
        MatMul.matmul(pool, w, in, out, batch);
        if (delta != null) {
            delta.apply(target, layer, in, out, batch);
        }
    }

    private void normalize(float[] in, float[] out, float[] weight, int batch) {
        int dim = config.dim();
        for (int b = 0; b < batch; b++) {
            VectorMath.rmsnorm(out, b * dim, in, b * dim, weight, dim, config.rmsNormEps());
        }
    }
}
