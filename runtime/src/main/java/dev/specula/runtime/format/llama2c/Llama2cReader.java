package dev.specula.runtime.format.llama2c;

import dev.specula.runtime.format.ModelConfigs;
import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ParsedModel;
import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.format.TensorLayout;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Reads a llama2.c checkpoint ({@code .bin}): seven int32 header fields, then F32 arrays in the
 * order of llama2.c's run.c, each array holding one weight kind for all layers. Tensors are
 * per-layer zero-copy slices. The format has no metadata, so epsilon and theta are llama2.c's
 * fixed values, and the file size must match the header exactly (the only integrity check there is).
 */
public final class Llama2cReader {
    private static final int HEADER_BYTES = 7 * 4;
    private static final float RMS_NORM_EPS = 1e-5f;
    private static final float ROPE_THETA = 10000f;

    private Llama2cReader() {
    }

    public static ParsedModel read(SegmentReader in) {
        Path file = in.file();
        int dim = positive(in, "dim");
        int hiddenDim = positive(in, "hidden_dim");
        int layers = positive(in, "n_layers");
        int heads = positive(in, "n_heads");
        int kvHeads = positive(in, "n_kv_heads");
        int signedVocab = in.i32("vocab_size");
        int seqLen = positive(in, "seq_len");
        // A negative vocab_size is llama2.c's flag for a separate classifier at the end of the file.
        boolean shared = signedVocab > 0;
        int vocab = signedVocab == Integer.MIN_VALUE ? 0 : Math.abs(signedVocab);
        ModelConfig c = ModelConfigs.of(file, dim, hiddenDim, layers, heads, kvHeads, vocab, seqLen,
                RMS_NORM_EPS, ROPE_THETA, RopeStyle.INTERLEAVED);

        long expected = expectedSize(file, c, shared);
        if (expected != in.size()) {
            throw new ModelFormatException(file, "file size " + in.size() + " does not match its header, which implies "
                    + expected + " bytes (dim " + dim + ", hidden_dim " + hiddenDim + ", n_layers " + layers
                    + ", n_heads " + heads + ", n_kv_heads " + kvHeads + ", vocab_size " + signedVocab
                    + ", seq_len " + seqLen + ")");
        }
        Cursor at = new Cursor(in);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        at.next(tensors, TensorNames.TOKEN_EMBEDDING, dim, vocab);
        perLayer(tensors, at, layers, TensorNames::attnNorm, dim);
        perLayer(tensors, at, layers, TensorNames::attnQ, dim, dim);
        perLayer(tensors, at, layers, TensorNames::attnK, dim, c.kvDim());
        perLayer(tensors, at, layers, TensorNames::attnV, dim, c.kvDim());
        perLayer(tensors, at, layers, TensorNames::attnOutput, dim, dim);
        perLayer(tensors, at, layers, TensorNames::ffnNorm, dim);
        perLayer(tensors, at, layers, TensorNames::ffnGate, dim, hiddenDim);
        perLayer(tensors, at, layers, TensorNames::ffnDown, hiddenDim, dim);
        perLayer(tensors, at, layers, TensorNames::ffnUp, dim, hiddenDim);
        at.next(tensors, TensorNames.OUTPUT_NORM, dim);
        // Precomputed RoPE tables (real and imaginary parts, seq_len * head_size / 2 each): the
        // forward pass computes its own.
        at.offset += 4L * seqLen * c.headDim();
        if (!shared) {
            at.next(tensors, TensorNames.OUTPUT, dim, vocab);
        }
        TensorLayout.check(file, c, tensors);
        return new ParsedModel("llama2c", c, tensors, Map.of());
    }

    /**
     * The tokenizer llama2.c would use for a checkpoint: {@code tok<vocab>.bin} beside it (the
     * convention of its small custom-vocabulary models), else {@code tokenizer.bin}.
     */
    public static Path findTokenizer(Path model, int vocabSize) {
        Path dir = model.toAbsolutePath().getParent();
        Path custom = dir.resolve("tok" + vocabSize + ".bin");
        Path standard = dir.resolve("tokenizer.bin");
        for (Path p : new Path[] {custom, standard}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new ModelFormatException(model, "no tokenizer found beside the checkpoint (looked for " + custom.getFileName()
                + " and " + standard.getFileName() + "); name one with --tokenizer");
    }

    private static int positive(SegmentReader in, String field) {
        long at = in.position();
        int v = in.i32(field);
        if (v <= 0) {
            throw new ModelFormatException(in.file(), at, "header field " + field + " = " + v + " must be positive");
        }
        return v;
    }

    /** File size implied by the header, computed before any slicing so a lying header fails fast. */
    private static long expectedSize(Path file, ModelConfig c, boolean shared) {
        try {
            long dim = c.dim();
            long perLayer = sum(2 * dim, product(2, dim, dim), product(2, dim, c.kvDim()), product(3, dim, c.hiddenDim()));
            long floats = sum(product(c.layers(), perLayer, 1), product(shared ? 1 : 2, dim, c.vocabSize()), dim,
                    product(c.contextLength(), c.headDim(), 1));
            return sum(HEADER_BYTES, product(floats, 4, 1));
        } catch (ArithmeticException e) {
            throw new ModelFormatException(file, "header implies an impossibly large model");
        }
    }

    private static long product(long a, long b, long c) {
        return Math.multiplyExact(Math.multiplyExact(a, b), c);
    }

    private static long sum(long... terms) {
        long s = 0;
        for (long t : terms) {
            s = Math.addExact(s, t);
        }
        return s;
    }

    private static void perLayer(Map<String, Tensor> tensors, Cursor at, int layers, IntFunction<String> name,
                                 long... dims) {
        for (int l = 0; l < layers; l++) {
            at.next(tensors, name.apply(l), dims);
        }
    }

    /** Slices consecutive F32 arrays; the file size was checked against the header beforehand. */
    private static final class Cursor {
        private final SegmentReader in;
        private long offset = HEADER_BYTES;

        Cursor(SegmentReader in) {
            this.in = in;
        }

        void next(Map<String, Tensor> tensors, String name, long... dims) {
            long bytes = 4 * Tensor.elementCount(dims);
            tensors.put(name, new Tensor(name, GgmlType.F32, dims, in.slice(offset, bytes, name)));
            offset += bytes;
        }
    }
}
