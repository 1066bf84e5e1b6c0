package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF v3 file the way llama.cpp expects it, streaming: declare metadata and tensors,
 * then hand over each tensor's bytes in declaration order (in one piece or in chunks). Only the
 * header is held in memory, so tensors of any size can be generated on the fly.
 *
 * <p>Integer metadata must be written with the exact type llama.cpp asks for (counts are UINT32,
 * token ids UINT32, ...), hence explicit {@link GgufValueType}s. Values are checked when added.
 */
public final class GgufWriter implements Closeable {
    private static final int COPY_CHUNK = 1 << 16;

    private final OutputStream out;
    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final List<Slot> tensors = new ArrayList<>();
    private final ByteBuffer scalar = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] copyBuffer = new byte[COPY_CHUNK];
    private long alignment = GgufFile.DEFAULT_ALIGNMENT;
    private long written;
    private boolean headerWritten;
    private int current;
    private long currentWritten;

    public GgufWriter(OutputStream out) {
        this.out = out;
    }

    public static GgufWriter create(Path file) throws IOException {
        return new GgufWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20));
    }

    /**
     * Adds a scalar value: a {@link Number} for integer and float types (range-checked against
     * the type), a {@link Boolean} or a {@link String}. Arrays go through {@link #putArray}.
     * Setting {@value GgufFile#ALIGNMENT_KEY} also sets the alignment of the tensor data.
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type == GgufValueType.ARRAY) {
            throw new IllegalArgumentException(key + ": use putArray for arrays");
        }
        checkScalar(key, type, value);
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            long a = ((Number) value).longValue();
            if (a <= 0 || Long.bitCount(a) != 1) {
                throw new IllegalArgumentException("alignment must be a power of two, got " + a);
            }
            alignment = a;
        }
        return add(key, new Entry(type, null, value));
    }

    /**
     * Adds an array. Elements are a Java array matching {@code elementType}: {@code String[]},
     * {@code float[]}, {@code double[]}, {@code boolean[]}, {@code long[]}/{@code int[]}/{@code short[]}/
     * {@code byte[]} for integer types (range-checked), or {@code Object[]} of nested arrays for
     * ARRAY, whose element types follow from their Java types (long[] is written as INT64).
     */
    public GgufWriter putArray(String key, GgufValueType elementType, Object elements) {
        checkArray(key, elementType, elements);
        return add(key, new Entry(GgufValueType.ARRAY, elementType, elements));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    /** Declares a tensor; its data is written later, in declaration order. Dimensions innermost first. */
    public GgufWriter addTensor(String name, GgmlType type, long... dims) {
        requireHeaderNotWritten();
        if (dims.length < 1 || dims.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException(name + ": 1 to " + GgufFile.MAX_DIMS + " dimensions, got " + dims.length);
        }
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": dimensions must be positive");
            }
        }
        for (Slot s : tensors) {
            if (s.name.equals(name)) {
                throw new IllegalArgumentException("duplicate tensor " + name);
            }
        }
        tensors.add(new Slot(name, type, dims.clone(), type.bytesFor(Tensor.elementCount(dims))));
        return this;
    }

    /**
     * Writes the header, the metadata and the tensor infos. Called by the first data write or by
     * {@link #close()} if not called before; after it nothing more can be declared.
     */
    public void writeHeader() throws IOException {
        requireHeaderNotWritten();
        headerWritten = true;
        writeI32(GgufFile.MAGIC);
        writeI32(3);
        writeI64(tensors.size());
        writeI64(metadata.size());
        for (Map.Entry<String, Entry> e : metadata.entrySet()) {
            writeString(e.getKey());
            writeI32(e.getValue().type.id());
            if (e.getValue().type == GgufValueType.ARRAY) {
                writeArray(e.getValue().elementType, e.getValue().value);
            } else {
                writeScalar(e.getValue().type, e.getValue().value);
            }
        }
        long offset = 0;
        for (Slot s : tensors) {
            writeString(s.name);
            writeI32(s.dims.length);
            for (long d : s.dims) {
                writeI64(d);
            }
            writeI32(s.type.id());
            writeI64(offset);
            offset = GgufFile.alignUp(offset + s.bytes, alignment);
        }
        pad();
    }

    /** Appends bytes of the current tensor; a chunk may not run past the end of that tensor. */
    public void writeTensorData(MemorySegment chunk) throws IOException {
        Slot slot = startChunk(chunk.byteSize());
        for (long off = 0; off < chunk.byteSize(); off += COPY_CHUNK) {
            int n = (int) Math.min(COPY_CHUNK, chunk.byteSize() - off);
            MemorySegment.copy(chunk, ValueLayout.JAVA_BYTE, off, copyBuffer, 0, n);
            write(copyBuffer, n);
        }
        endChunk(slot, chunk.byteSize());
    }

    /** Appends F32 values (little-endian) to the current tensor. */
    public void writeTensorData(float[] values) throws IOException {
        Slot slot = startChunk(4L * values.length);
        MemorySegment buffer = MemorySegment.ofArray(copyBuffer);
        int perChunk = COPY_CHUNK / 4;
        for (int i = 0; i < values.length; i += perChunk) {
            int n = Math.min(perChunk, values.length - i);
            MemorySegment.copy(values, i, buffer, SegmentReader.F32, 0, n);
            write(copyBuffer, 4 * n);
        }
        endChunk(slot, 4L * values.length);
    }

    /** Writes the header if nothing was written yet, checks that every tensor got all its bytes, closes. */
    @Override
    public void close() throws IOException {
        try (out) {
            if (!headerWritten) {
                writeHeader();
            }
            if (current < tensors.size()) {
                Slot s = tensors.get(current);
                throw new IllegalStateException("tensor " + s.name + ": " + currentWritten + " of " + s.bytes
                        + " bytes written, " + (tensors.size() - current - 1) + " tensors after it not written");
            }
        }
    }

    private GgufWriter add(String key, Entry entry) {
        requireHeaderNotWritten();
        if (metadata.put(key, entry) != null) {
            throw new IllegalArgumentException("duplicate metadata key " + key);
        }
        return this;
    }

    private void requireHeaderNotWritten() {
        if (headerWritten) {
            throw new IllegalStateException("the header is already written");
        }
    }

    private Slot startChunk(long bytes) throws IOException {
        if (!headerWritten) {
            writeHeader();
        }
        if (current >= tensors.size()) {
            throw new IllegalStateException("all declared tensors are already written");
        }
        Slot s = tensors.get(current);
        if (bytes > s.bytes - currentWritten) {
            throw new IllegalArgumentException("tensor " + s.name + ": " + bytes + " bytes given but only "
                    + (s.bytes - currentWritten) + " remain");
        }
        return s;
    }

    private void endChunk(Slot slot, long bytes) throws IOException {
        currentWritten += bytes;
        if (currentWritten == slot.bytes) {
            pad();
            current++;
            currentWritten = 0;
        }
    }

    private static void checkScalar(String key, GgufValueType type, Object value) {
        boolean ok = switch (type) {
            case STRING -> value instanceof String;
            case BOOL -> value instanceof Boolean;
            case FLOAT32, FLOAT64 -> value instanceof Number;
            default -> value instanceof Number n && !(n instanceof Float || n instanceof Double)
                    && fits(type, n.longValue());
        };
        if (!ok) {
            throw new IllegalArgumentException(key + ": " + value + " is not a valid " + type);
        }
    }

    private static boolean fits(GgufValueType type, long v) {
        return switch (type) {
            case UINT8 -> v >= 0 && v <= 0xFF;
            case INT8 -> v == (byte) v;
            case UINT16 -> v >= 0 && v <= 0xFFFF;
            case INT16 -> v == (short) v;
            case UINT32 -> v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> v == (int) v;
            default -> true;
        };
    }

    private static void checkArray(String key, GgufValueType elementType, Object elements) {
        boolean ok = switch (elementType) {
            case STRING -> elements instanceof String[] a && Arrays.stream(a).allMatch(Objects::nonNull);
            case FLOAT32 -> elements instanceof float[];
            case FLOAT64 -> elements instanceof double[];
            case BOOL -> elements instanceof boolean[];
            case ARRAY -> elements instanceof Object[] a && nestedArraysOk(key, a);
            default -> (elements instanceof long[] || elements instanceof int[] || elements instanceof short[]
                    || elements instanceof byte[]) && integersFit(elementType, elements);
        };
        if (!ok) {
            throw new IllegalArgumentException(key + ": not a valid array of " + elementType);
        }
    }

    private static boolean integersFit(GgufValueType type, Object elements) {
        for (int i = 0; i < Array.getLength(elements); i++) {
            if (!fits(type, ((Number) Array.get(elements, i)).longValue())) {
                return false;
            }
        }
        return true;
    }

    /** Throws on the first bad nested array, so it only ever answers true. */
    private static boolean nestedArraysOk(String key, Object[] arrays) {
        for (Object a : arrays) {
            checkArray(key, inferElementType(key, a), a);
        }
        return true;
    }

    private static GgufValueType inferElementType(String key, Object array) {
        return switch (array) {
            case String[] _ -> GgufValueType.STRING;
            case float[] _ -> GgufValueType.FLOAT32;
            case double[] _ -> GgufValueType.FLOAT64;
            case boolean[] _ -> GgufValueType.BOOL;
            case long[] _ -> GgufValueType.INT64;
            case int[] _ -> GgufValueType.INT32;
            case short[] _ -> GgufValueType.INT16;
            case byte[] _ -> GgufValueType.INT8;
            case Object[] _ -> GgufValueType.ARRAY;
            case null, default -> throw new IllegalArgumentException(key + ": nested element "
                    + array + " is not an array");
        };
    }

    private void writeArray(GgufValueType elementType, Object elements) throws IOException {
        writeI32(elementType.id());
        int n = Array.getLength(elements);
        writeI64(n);
        for (int i = 0; i < n; i++) {
            Object e = Array.get(elements, i);
            if (elementType == GgufValueType.ARRAY) {
                writeArray(inferElementType("", e), e); // nested arrays carry no type tag of their own
            } else {
                writeScalar(elementType, e);
            }
        }
    }

    private void writeScalar(GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> write(new byte[] {(byte) ((Number) value).longValue()}, 1);
            case BOOL -> write(new byte[] {(byte) ((Boolean) value ? 1 : 0)}, 1);
            case UINT16, INT16 -> writeLittleEndian(((Number) value).longValue(), 2);
            case UINT32, INT32 -> writeI32((int) ((Number) value).longValue());
            case UINT64, INT64 -> writeI64(((Number) value).longValue());
            case FLOAT32 -> writeI32(Float.floatToRawIntBits(((Number) value).floatValue()));
            case FLOAT64 -> writeI64(Double.doubleToRawLongBits(((Number) value).doubleValue()));
            case STRING -> writeString((String) value);
            case ARRAY -> throw new IllegalArgumentException("nested array written as a scalar");
        }
    }

    private void writeString(String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        writeI64(bytes.length);
        write(bytes, bytes.length);
    }

    private void writeI32(int v) throws IOException {
        writeLittleEndian(v, 4);
    }

    private void writeI64(long v) throws IOException {
        writeLittleEndian(v, 8);
    }

    private void writeLittleEndian(long v, int bytes) throws IOException {
        scalar.clear();
        scalar.putLong(v);
        write(scalar.array(), bytes);
    }

    private void pad() throws IOException {
        int n = (int) (GgufFile.alignUp(written, alignment) - written);
        write(new byte[n], n);
    }

    private void write(byte[] bytes, int length) throws IOException {
        out.write(bytes, 0, length);
        written += length;
    }

    private record Entry(GgufValueType type, GgufValueType elementType, Object value) {
    }

    private record Slot(String name, GgmlType type, long[] dims, long bytes) {
    }
}
