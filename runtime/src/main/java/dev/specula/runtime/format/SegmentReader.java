package dev.specula.runtime.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A little-endian cursor over a memory-mapped model file. Every read is bounds-checked first,
 * so a truncated or lying file ends in a {@link ModelFormatException} that names the file,
 * the offset and what was being read, never in an IndexOutOfBoundsException.
 */
public final class SegmentReader {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Java arrays and strings cannot be longer, whatever the file claims. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Never started: only asked whether a mapping is confined to the thread that made it. */
    private static final Thread ANOTHER_THREAD = Thread.ofVirtual().unstarted(() -> { });

    private final Path file;
    private final MemorySegment data;
    private long pos;

    public SegmentReader(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
    }

    /**
     * Maps {@code file} read-only for the lifetime of {@code arena}, which must be shared (or global or automatic).
     *
     * <p>Confined arenas are refused, even for a file one thread parses and closes: every segment access runs the
     * JDK's session check, whose "has an owner thread" branch is profiled once for the whole process. Parsing one
     * GGUF header through a confined arena (about 50k reads) was enough for C2 to speculate on an owner thread inside
     * the decode kernels' loops; on the model's shared segments that speculation fails at once and the loops are
     * recompiled with their checks inside (Q8_0 K=4 ensemble 8.1-8.4 tok/s against 10.2-10.7 without it).
     */
    public static SegmentReader open(Path file, Arena arena) {
        MemorySegment data;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            data = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException | UnsupportedOperationException e) {
            throw new ModelFormatException(file, "cannot read: " + e);
        }
        if (!data.isAccessibleBy(ANOTHER_THREAD)) {
            throw new IllegalArgumentException("map " + file + " in a shared arena, not a confined one (see SegmentReader.open)");
        }
        return new SegmentReader(file, data);
    }

    public Path file() {
        return file;
    }

    public MemorySegment segment() {
        return data;
    }

    public long size() {
        return data.byteSize();
    }

    public long position() {
        return pos;
    }

    public long remaining() {
        return data.byteSize() - pos;
    }

    /** Fails unless {@code bytes} more bytes can be read. */
    public void require(long bytes, String what) {
        if (bytes < 0 || bytes > remaining()) {
            throw error("truncated file: reading " + what + " needs " + Long.toUnsignedString(bytes)
                    + " bytes but only " + remaining() + " remain");
        }
    }

    public int u8(String what) {
        require(1, what);
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, pos++));
    }

    public short i16(String what) {
        require(2, what);
        short v = data.get(I16, pos);
        pos += 2;
        return v;
    }

    public int i32(String what) {
        require(4, what);
        int v = data.get(I32, pos);
        pos += 4;
        return v;
    }

    public long u32(String what) {
        return Integer.toUnsignedLong(i32(what));
    }

    public long i64(String what) {
        require(8, what);
        long v = data.get(I64, pos);
        pos += 8;
        return v;
    }

    public float f32(String what) {
        require(4, what);
        float v = data.get(F32, pos);
        pos += 4;
        return v;
    }

    public double f64(String what) {
        require(8, what);
        double v = data.get(F64, pos);
        pos += 8;
        return v;
    }

    /** Reads {@code length} bytes as UTF-8 (malformed sequences become U+FFFD). */
    public String utf8(long length, String what) {
        require(length, what);
        if (length > MAX_ARRAY) {
            throw error(what + " of " + length + " bytes is too long");
        }
        byte[] bytes = data.asSlice(pos, length).toArray(ValueLayout.JAVA_BYTE);
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Reads {@code count} little-endian floats. */
    public float[] f32Array(long count, String what) {
        requireElements(count, 4, what);
        float[] out = new float[(int) count];
        MemorySegment.copy(data, F32, pos, out, 0, out.length);
        pos += 4 * count;
        return out;
    }

    /** Reads {@code count} little-endian doubles. */
    public double[] f64Array(long count, String what) {
        requireElements(count, 8, what);
        double[] out = new double[(int) count];
        MemorySegment.copy(data, F64, pos, out, 0, out.length);
        pos += 8 * count;
        return out;
    }

    /**
     * Fails unless {@code count} elements of at least {@code minBytes} each fit in the rest of the
     * file and in a Java array; checked before allocating so an absurd count cannot exhaust memory.
     */
    public void requireElements(long count, int minBytes, String what) {
        if (count < 0 || count > remaining() / minBytes) {
            throw error(what + ": count " + Long.toUnsignedString(count) + " cannot fit in the "
                    + remaining() + " bytes left in the file");
        }
        if (count > MAX_ARRAY) {
            throw error(what + ": count " + count + " is too large");
        }
    }

    /** A zero-copy view of {@code [offset, offset + length)}, checked against the file's size. */
    public MemorySegment slice(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > data.byteSize() - length) {
            throw new ModelFormatException(file, offset, what + " (" + Long.toUnsignedString(length)
                    + " bytes) lies past the end of the file (" + data.byteSize() + " bytes)");
        }
        return data.asSlice(offset, length);
    }

    /** An error at the current position. */
    public ModelFormatException error(String message) {
        return new ModelFormatException(file, pos, message);
    }
}
