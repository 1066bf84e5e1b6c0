package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.TestFiles;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufWriterRoundTripTest {

    @Test
    void everyMetadataTypeAndTensorsRoundTrip(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("all.gguf");
        byte[] q8 = new byte[2 * 34];
        for (int i = 0; i < q8.length; i++) {
            q8[i] = (byte) (i * 7);
        }
        float[] f32 = TestFiles.ramp(3 * 5, 3);
        try (GgufWriter w = GgufWriter.create(file)) {
            w.put("u8", GgufValueType.UINT8, 255L)
                    .put("i8", GgufValueType.INT8, -128L)
                    .put("u16", GgufValueType.UINT16, 65535L)
                    .put("i16", GgufValueType.INT16, -32768L)
                    .put("u32", GgufValueType.UINT32, 4294967295L)
                    .put("i32", GgufValueType.INT32, Integer.MIN_VALUE)
                    .put("u64", GgufValueType.UINT64, -1L)
                    .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                    .put("f32", GgufValueType.FLOAT32, 1.5f)
                    .put("f64", GgufValueType.FLOAT64, Math.PI)
                    .put("bool", GgufValueType.BOOL, true)
                    .put("string", GgufValueType.STRING, "héllo ✓")
                    .put(GgufFile.ALIGNMENT_KEY, GgufValueType.UINT32, 64L)
                    .putArray("a.u8", GgufValueType.UINT8, new byte[] {0, 1, 2})
                    .putArray("a.i16", GgufValueType.INT16, new short[] {-1, 2})
                    .putArray("a.u32", GgufValueType.UINT32, new long[] {4294967295L, 0})
                    .putArray("a.i64", GgufValueType.INT64, new long[] {Long.MAX_VALUE, -5})
                    .putArray("a.f32", GgufValueType.FLOAT32, new float[] {0.25f, -2f})
                    .putArray("a.f64", GgufValueType.FLOAT64, new double[] {1e300})
                    .putArray("a.bool", GgufValueType.BOOL, new boolean[] {true, false})
                    .putArray("a.string", GgufValueType.STRING, new String[] {"", "x", "日本"})
                    .putArray("a.empty", GgufValueType.INT32, new int[0])
                    .putArray("a.nested", GgufValueType.ARRAY, new Object[] {new long[] {1, 2}, new String[] {"s"},
                            new Object[] {new float[] {3f}}});
            w.addTensor("weights", GgmlType.F32, 3, 5);
            w.addTensor("quantized", GgmlType.Q8_0, 64);
            w.writeTensorData(java.util.Arrays.copyOf(f32, 7));
            w.writeTensorData(java.util.Arrays.copyOfRange(f32, 7, 15)); // chunks of one tensor
            w.writeTensorData(MemorySegment.ofArray(q8));
        }

        try (Arena arena = Arena.ofShared()) {
            GgufFile g = GgufFile.read(file, arena);
            assertEquals(3, g.version());
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataOffset() % 64);
            Map<String, Object> m = g.metadata().asMap();
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "bool", "string",
                    GgufFile.ALIGNMENT_KEY, "a.u8", "a.i16", "a.u32", "a.i64", "a.f32", "a.f64", "a.bool", "a.string",
                    "a.empty", "a.nested"), List.copyOf(m.keySet()));
            assertEquals(255L, m.get("u8"));
            assertEquals(-128L, m.get("i8"));
            assertEquals(65535L, m.get("u16"));
            assertEquals(-32768L, m.get("i16"));
            assertEquals(4294967295L, m.get("u32"));
            assertEquals((long) Integer.MIN_VALUE, m.get("i32"));
            assertEquals(-1L, m.get("u64"));
            assertEquals(Long.MIN_VALUE, m.get("i64"));
            assertEquals(1.5f, m.get("f32"));
            assertEquals(Math.PI, m.get("f64"));
            assertEquals(true, m.get("bool"));
            assertEquals("héllo ✓", m.get("string"));
            assertArrayEquals(new long[] {0, 1, 2}, (long[]) m.get("a.u8"));
            assertArrayEquals(new long[] {-1, 2}, (long[]) m.get("a.i16"));
            assertArrayEquals(new long[] {4294967295L, 0}, (long[]) m.get("a.u32"));
            assertArrayEquals(new long[] {Long.MAX_VALUE, -5}, (long[]) m.get("a.i64"));
            assertArrayEquals(new float[] {0.25f, -2f}, (float[]) m.get("a.f32"));
            assertArrayEquals(new double[] {1e300}, (double[]) m.get("a.f64"));
            assertArrayEquals(new boolean[] {true, false}, (boolean[]) m.get("a.bool"));
            assertArrayEquals(new String[] {"", "x", "日本"}, (String[]) m.get("a.string"));
            assertArrayEquals(new long[0], (long[]) m.get("a.empty"));
            assertArrayEquals(new Object[] {new long[] {1, 2}, new String[] {"s"}, new Object[] {new float[] {3f}}},
                    (Object[]) m.get("a.nested"));

            Tensor w = g.tensors().get("weights");
            assertArrayEquals(new long[] {3, 5}, w.dims());
            assertArrayEquals(f32, w.data().toArray(ValueLayout.JAVA_FLOAT));
            Tensor q = g.tensors().get("quantized");
            assertEquals(GgmlType.Q8_0, q.type());
            assertArrayEquals(q8, q.data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, (q.data().address() - g.tensors().get("weights").data().address()) % 64);
            // Every tensor, the last included, is padded to the alignment, as llama.cpp expects.
            assertEquals(g.dataOffset() + 64 + 128, Files.size(file));
        }
    }

    @Test
    void typedAccessorsNameTheKeyOnMissingOrWrongType() throws IOException {
        GgufMetadata m = GgufFile.read(TestFiles.reader(TestFiles.tinyLlamaGguf(8, GgmlType.F32))).metadata();
        assertEquals(8, m.getInt("llama.embedding_length"));
        assertEquals(1e-5f, m.getFloat("llama.attention.layer_norm_rms_epsilon"));
        assertEquals("llama", m.getString("general.architecture"));
        assertEquals(4, m.getStringArray("tokenizer.ggml.tokens").length);
        assertArrayEquals(new int[] {2, 3, 3, 1}, m.getIntArray("tokenizer.ggml.token_type"));
        assertEquals(7, m.getInt("absent", 7));
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> m.getLong("absent"));
        assertTrue(missing.getMessage().contains("missing metadata absent"), missing.getMessage());
        ModelFormatException wrong = assertThrows(ModelFormatException.class, () -> m.getString("llama.block_count"));
        assertTrue(wrong.getMessage().contains("llama.block_count should be a string but is an integer"), wrong.getMessage());
        assertThrows(ModelFormatException.class, () -> m.getFloatArray("tokenizer.ggml.tokens"));
    }

    @Test
    void writerRejectsValuesThatDoNotFitTheirType() {
        GgufWriter w = new GgufWriter(new ByteArrayOutputStream());
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.UINT8, 256L));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.UINT32, -1L));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.INT32, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.STRING, 3L));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("k", GgufValueType.UINT16, new int[] {70000}));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("k", GgufValueType.FLOAT32, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufFile.ALIGNMENT_KEY, GgufValueType.UINT32, 48L));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.Q8_0, 16));
    }

    @Test
    void closingWithMissingTensorDataFails() {
        GgufWriter w = new GgufWriter(new ByteArrayOutputStream());
        w.addTensor("t", GgmlType.F32, 4);
        assertThrows(IllegalStateException.class, w::close);
    }
}
