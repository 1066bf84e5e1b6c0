package dev.specula.runtime.format.safetensors;

import dev.specula.runtime.json.Json;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file of F32 tensors plus string metadata, the layout
 * {@link SafetensorsFile} reads: header length, JSON header, data in declaration order.
 * Tensors are held by reference until {@link #write}, which is enough for adapters (megabytes).
 */
public final class SafetensorsWriter {
    /** The header is padded with spaces to this alignment so tensor data starts aligned, as the Python writer does. */
    private static final int HEADER_ALIGNMENT = 8;

    private record Entry(String name, long[] shape, float[] data) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds an F32 tensor of row-major {@code shape} (outermost first) holding {@code data}. */
    public SafetensorsWriter addF32(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape holds " + n + " values, data has " + data.length);
        }
        if (tensors.stream().anyMatch(e -> e.name.equals(name))) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        tensors.add(new Entry(name, shape.clone(), data));
        return this;
    }

    public void write(Path file) {
        byte[] header = header();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            ByteBuffer length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            out.write(length.array());
            out.write(header);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors) {
                for (float v : e.data) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(v);
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
        }
    }

    private byte[] header() {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(Json.quote("__metadata__")).append(":{");
            metadata.forEach((k, v) -> json.append(Json.quote(k)).append(':').append(Json.quote(v)).append(','));
            json.setCharAt(json.length() - 1, '}');
            json.append(',');
        }
        long offset = 0;
        for (Entry e : tensors) {
            long bytes = (long) e.data.length * Float.BYTES;
            json.append(Json.quote(e.name)).append(":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < e.shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(e.shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]},");
            offset += bytes;
        }
        if (json.length() > 1) {
            json.setLength(json.length() - 1);
        }
        json.append('}');
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (bytes.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
        byte[] out = new byte[padded];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        for (int i = bytes.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
