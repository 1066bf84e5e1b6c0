package dev.specula.runtime.format;

import dev.specula.runtime.format.gguf.GgufValueType;
import dev.specula.runtime.format.gguf.GgufWriter;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Helpers shared by the format tests: the shared models and small crafted model files. */
public final class TestFiles {
    public static final Path FAKE = Path.of("crafted.bin");

    private TestFiles() {
    }

    /** {@code shared/models}; tests that need it are skipped when the shared folder is absent. */
    public static Path models() {
        String shared = System.getProperty("specula.shared");
        assumeTrue(shared != null, "specula.shared is not set");
        Path models = Path.of(shared, "models");
        assumeTrue(Files.isDirectory(models), "no shared models at " + models);
        return models;
    }

    /** A reader over the first {@code length} bytes of {@code bytes}, named {@link #FAKE} in errors. */
    public static SegmentReader reader(byte[] bytes, int length) {
        return new SegmentReader(FAKE, MemorySegment.ofArray(Arrays.copyOf(bytes, length)));
    }

    public static SegmentReader reader(byte[] bytes) {
        return reader(bytes, bytes.length);
    }

    /** A tiny but complete Llama GGUF: 1 layer, 2 heads, 1 kv head, vocab 4, hidden 16. */
    public static byte[] tinyLlamaGguf(int dim, GgmlType attnQType) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int hidden = 16;
        int kvDim = dim / 2;
        try (GgufWriter w = new GgufWriter(bytes)) {
            w.putString("general.architecture", "llama");
            w.putString("general.name", "tiny");
            w.putUInt32("llama.embedding_length", dim);
            w.putUInt32("llama.feed_forward_length", hidden);
            w.putUInt32("llama.block_count", 1);
            w.putUInt32("llama.attention.head_count", 2);
            w.putUInt32("llama.attention.head_count_kv", 1);
            w.putUInt32("llama.context_length", 16);
            w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
            w.putArray("tokenizer.ggml.tokens", GgufValueType.STRING, new String[] {"<unk>", "<s>", "</s>", "a"});
            w.putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, new float[] {0, 0, 0, -1});
            w.putArray("tokenizer.ggml.token_type", GgufValueType.INT32, new int[] {2, 3, 3, 1});
            w.put("tokenizer.ggml.bos_token_id", GgufValueType.UINT32, 1L);
            w.addTensor(TensorNames.TOKEN_EMBEDDING, GgmlType.F32, dim, 4);
            w.addTensor(TensorNames.OUTPUT_NORM, GgmlType.F32, dim);
            w.addTensor(TensorNames.attnNorm(0), GgmlType.F32, dim);
            w.addTensor(TensorNames.attnQ(0), attnQType, dim, dim);
            w.addTensor(TensorNames.attnK(0), GgmlType.F32, dim, kvDim);
            w.addTensor(TensorNames.attnV(0), GgmlType.F32, dim, kvDim);
            w.addTensor(TensorNames.attnOutput(0), GgmlType.F32, dim, dim);
            w.addTensor(TensorNames.ffnNorm(0), GgmlType.F32, dim);
            w.addTensor(TensorNames.ffnGate(0), GgmlType.F32, dim, hidden);
            w.addTensor(TensorNames.ffnUp(0), GgmlType.F32, dim, hidden);
            w.addTensor(TensorNames.ffnDown(0), GgmlType.F32, hidden, dim);
            w.writeTensorData(ramp(dim * 4, 0));
            w.writeTensorData(ramp(dim, 1));
            w.writeTensorData(ramp(dim, 2));
            w.writeTensorData(MemorySegment.ofArray(new byte[(int) attnQType.bytesFor((long) dim * dim)]));
            w.writeTensorData(ramp(dim * kvDim, 4));
            w.writeTensorData(ramp(dim * kvDim, 5));
            w.writeTensorData(ramp(dim * dim, 6));
            w.writeTensorData(ramp(dim, 7));
            w.writeTensorData(ramp(dim * hidden, 8));
            w.writeTensorData(ramp(dim * hidden, 9));
            w.writeTensorData(ramp(hidden * dim, 10));
        }
        return bytes.toByteArray();
    }

    /** Distinct, reproducible values: {@code seed + i / 1000}. */
    public static float[] ramp(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = seed + i / 1000f;
        }
        return v;
    }

    /** Offset of the first occurrence of {@code needle}'s UTF-8 bytes; fails the test if absent. */
    public static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i <= haystack.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("'" + needle + "' not found");
    }

    /** Offset just past the GGUF-encoded string {@code s} (its 8-byte length prefix precedes it). */
    public static int after(byte[] bytes, String s) {
        return indexOf(bytes, s) + s.getBytes(StandardCharsets.UTF_8).length;
    }

    public static byte[] patchInt(byte[] bytes, int offset, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return copy;
    }

    public static byte[] patchLong(byte[] bytes, int offset, long value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
        return copy;
    }

    public static byte[] floatsLE(int[] header, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(header.length * 4 + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : header) {
            b.putInt(h);
        }
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }
}
