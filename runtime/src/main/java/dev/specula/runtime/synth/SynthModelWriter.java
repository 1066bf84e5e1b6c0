package dev.specula.runtime.synth;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.gguf.GgufValueType;
import dev.specula.runtime.format.gguf.GgufWriter;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.RowEncoder;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;

/**
 * Writes a llama.cpp-compatible GGUF Llama model with seeded random weights and a synthetic
 * vocabulary, for benchmarks at real models' sizes without the real weights.
 *
 * <p>Weights are streamed: each tensor is generated, encoded and written a chunk of rows at a time,
 * so memory stays at a few MiB whatever the model size. Every chunk has its own generator seeded
 * from (seed, tensor, chunk), so the bytes depend only on the seed. Matrices are uniform with
 * variance 1/fan-in and norms are near 1, so activations keep unit scale through any depth.
 */
public final class SynthModelWriter {

    /** Values generated per chunk: 4 MiB of floats. */
    private static final int CHUNK_VALUES = 1 << 20;
    private static final float RMS_EPS = 1e-5f;
    private static final float ROPE_THETA = 10000f;

    private record TensorSpec(String name, GgmlType type, int cols, int rows, float amplitude, float center) {

        long bytes() {
            return (long) rows * type.bytesFor(cols);
        }

        /** GGUF dimensions, innermost first; norms (one row) are vectors, as llama.cpp stores them. */
        long[] dims() {
            return rows == 1 ? new long[]{cols} : new long[]{cols, rows};
        }
    }

    private final SynthShape shape;
    private final SynthQuant quant;
    private final long seed;
    private final List<TensorSpec> tensors;

    public SynthModelWriter(SynthShape shape, SynthQuant quant, long seed) {
        this.shape = shape.validate(quant);
        this.quant = quant;
        this.seed = seed;
        this.tensors = plan();
    }

    /** Bytes of tensor data the file will hold (the header adds about the vocabulary's size). */
    public long weightBytes() {
        return tensors.stream().mapToLong(TensorSpec::bytes).sum();
    }

    /**
     * Writes the model to {@code out} through a temporary file beside it, so an interrupted run
     * leaves no partial model; {@code progress} receives the tensor bytes written so far.
     *
     * @throws SpeculaException if {@code out} exists and {@code overwrite} is false
     */
    public void write(Path out, boolean overwrite, LongConsumer progress) throws IOException {
        if (Files.exists(out) && !overwrite) {
            throw new SpeculaException(out + " already exists (use --force to overwrite)");
        }
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "." + out.getFileName(), ".partial");
        try {
            try (GgufWriter w = GgufWriter.create(partial)) {
                writeMetadata(w);
                for (TensorSpec t : tensors) {
                    w.addTensor(t.name, t.type, t.dims());
                }
                writeTensors(w, progress);
            }
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private List<TensorSpec> plan() {
        GgmlType type = quant.type();
        int dim = shape.dim();
        float matrix = (float) Math.sqrt(3.0 / dim);
        List<TensorSpec> list = new ArrayList<>();
        list.add(matrix(TensorNames.TOKEN_EMBEDDING, type, dim, shape.vocab(), 1f));
        for (int l = 0; l < shape.layers(); l++) {
            list.add(norm(TensorNames.attnNorm(l)));
            list.add(matrix(TensorNames.attnQ(l), type, dim, dim, matrix));
            list.add(matrix(TensorNames.attnK(l), type, dim, shape.kvDim(), matrix));
            list.add(matrix(TensorNames.attnV(l), quant.sensitiveType(l, shape.layers()), dim, shape.kvDim(), matrix));
            list.add(matrix(TensorNames.attnOutput(l), type, dim, dim, matrix));
            list.add(norm(TensorNames.ffnNorm(l)));
            list.add(matrix(TensorNames.ffnGate(l), type, dim, shape.ffn(), matrix));
            list.add(matrix(TensorNames.ffnUp(l), type, dim, shape.ffn(), matrix));
            list.add(matrix(TensorNames.ffnDown(l), quant.sensitiveType(l, shape.layers()), shape.ffn(), dim,
                    (float) Math.sqrt(3.0 / shape.ffn())));
        }
        list.add(norm(TensorNames.OUTPUT_NORM));
        list.add(matrix(TensorNames.OUTPUT, quant.outputType(), dim, shape.vocab(), matrix));
        return list;
    }

    /** A weight matrix of {@code rows} rows of {@code cols} values in {@code type}, or the quant's fallback for such rows. */
    private TensorSpec matrix(String name, GgmlType type, int cols, int rows, float amplitude) {
        return new TensorSpec(name, quant.fit(type, cols), cols, rows, amplitude, 0f);
    }

    /** llama.cpp keeps norm weights in F32 whatever the file type. */
    private TensorSpec norm(String name) {
        return new TensorSpec(name, GgmlType.F32, shape.dim(), 1, 0.1f, 1f);
    }

    private void writeMetadata(GgufWriter w) {
        SynthVocabulary vocab = SynthVocabulary.of(shape.vocab());
        w.putString("general.architecture", "llama")
                .putString("general.name", "specula-synth-" + shape.name())
                .putString("general.description", "synthetic random weights, seed " + seed)
                .putUInt32("general.file_type", quant.fileType())
                .putUInt32("general.quantization_version", 2)
                .putUInt32("llama.vocab_size", shape.vocab())
                .putUInt32("llama.context_length", shape.context())
                .putUInt32("llama.embedding_length", shape.dim())
                .putUInt32("llama.block_count", shape.layers())
                .putUInt32("llama.feed_forward_length", shape.ffn())
                .putUInt32("llama.rope.dimension_count", shape.headDim())
                .putUInt32("llama.attention.head_count", shape.heads())
                .putUInt32("llama.attention.head_count_kv", shape.kvHeads())
                .putFloat32("llama.attention.layer_norm_rms_epsilon", RMS_EPS)
                .putFloat32("llama.rope.freq_base", ROPE_THETA)
                .putString("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, vocab.tokens())
                .putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, vocab.scores())
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, vocab.types())
                .putUInt32("tokenizer.ggml.bos_token_id", SynthVocabulary.BOS)
                .putUInt32("tokenizer.ggml.eos_token_id", SynthVocabulary.EOS)
                .putUInt32("tokenizer.ggml.unknown_token_id", SynthVocabulary.UNK)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_eos_token", false);
    }

    private void writeTensors(GgufWriter w, LongConsumer progress) throws IOException {
        int maxCols = tensors.stream().mapToInt(TensorSpec::cols).max().orElseThrow();
        float[] values = new float[Math.max(CHUNK_VALUES, maxCols)];
        long encodedBytes = tensors.stream().mapToLong(t -> t.type.bytesFor(values.length)).max().orElseThrow();
        MemorySegment encoded = MemorySegment.ofArray(new byte[(int) encodedBytes]);
        long done = 0;
        for (int ti = 0; ti < tensors.size(); ti++) {
            TensorSpec t = tensors.get(ti);
            int rowsPerChunk = values.length / t.cols;
            for (int row = 0, chunk = 0; row < t.rows; row += rowsPerChunk, chunk++) {
                int n = Math.min(rowsPerChunk, t.rows - row) * t.cols;
                fill(values, n, mix(seed, ti, chunk), t.amplitude, t.center);
                long bytes = t.type.bytesFor(n);
                encodeRows(t, n / t.cols, values, encoded);
                w.writeTensorData(encoded.asSlice(0, bytes));
                done += bytes;
                progress.accept(done);
            }
        }
    }

    /**
     * Encodes {@code rows} rows of {@code t} from {@code values} into {@code encoded}, rows spread over the common
     * pool: the k-quants' least-squares searches take about 100 ns per value, a minute for tinyllama-1.1b on one core.
     */
    private static void encodeRows(TensorSpec t, int rows, float[] values, MemorySegment encoded) {
        long rowBytes = t.type.bytesFor(t.cols);
        IntStream.range(0, rows).parallel()
                .forEach(r -> RowEncoder.encode(t.type, values, r * t.cols, t.cols, encoded, r * rowBytes));
    }

    /** Uniform values in {@code center ± amplitude} from a SplitMix64 stream. */
    private static void fill(float[] dst, int n, long state, float amplitude, float center) {
        for (int i = 0; i < n; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = (state ^ (state >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            float unit = (z >>> 40) * 0x1p-23f - 1f; // 24 random bits in [-1, 1)
            dst[i] = center + amplitude * unit;
        }
    }

    private static long mix(long seed, int tensor, int chunk) {
        long h = seed * 0x9E3779B97F4A7C15L + tensor;
        h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L + chunk;
        return (h ^ (h >>> 32)) * 0x94D049BB133111EBL;
    }
}
