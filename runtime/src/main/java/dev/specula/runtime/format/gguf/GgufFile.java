package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed GGUF file (versions 2 and 3): its metadata and its tensors, which are zero-copy
 * slices of the memory mapping. Any GGUF is accepted here, whatever its architecture or tensor
 * types; deciding whether it is a model this runtime can run is the loader's job.
 *
 * <p>Metadata values are kept in file order as: integers of any width {@code Long} (uint64 as its
 * long bits), float32 {@code Float}, float64 {@code Double}, bool {@code Boolean}, string
 * {@code String}; arrays as {@code String[]}, {@code float[]}, {@code double[]}, {@code long[]}
 * (any integer type), {@code boolean[]}, or {@code Object[]} holding nested arrays.
 */
public final class GgufFile {
    /** "GGUF" read as a little-endian int. */
    public static final int MAGIC = 0x46554747;
    public static final long DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml tensors have at most four dimensions. */
    static final int MAX_DIMS = 4;
    /** Deep enough for any real file, shallow enough that a crafted one cannot overflow the stack. */
    private static final int MAX_ARRAY_DEPTH = 16;
    /** Bytes of the smallest tensor info: empty name, one dimension, type, offset. */
    private static final int MIN_TENSOR_INFO = 8 + 4 + 8 + 4 + 8;
    /** Bytes of the smallest metadata entry: empty key, type, one-byte value. */
    private static final int MIN_KV = 8 + 4 + 1;

    private final Path path;
    private final int version;
    private final GgufMetadata metadata;
    private final long alignment;
    private final long dataOffset;
    private final Map<String, Tensor> tensors;

    private GgufFile(Path path, int version, GgufMetadata metadata, long alignment, long dataOffset,
                     Map<String, Tensor> tensors) {
        this.path = path;
        this.version = version;
        this.metadata = metadata;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Maps and parses {@code file}; its tensors stay valid while {@code arena} is open. */
    public static GgufFile read(Path file, Arena arena) {
        return read(SegmentReader.open(file, arena));
    }

    public static GgufFile read(SegmentReader in) {
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw new ModelFormatException(in.file(), 0, "not a GGUF file (magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = readVersion(in);
        long tensorCount = in.i64("tensor count");
        in.requireElements(tensorCount, MIN_TENSOR_INFO, "tensor count");
        long kvCount = in.i64("metadata entry count");
        in.requireElements(kvCount, MIN_KV, "metadata entry count");

        Map<String, Object> values = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = readString(in, "metadata key #" + i);
            GgufValueType type = readValueType(in, "type of metadata value " + key);
            if (values.put(key, readValue(in, type, key, 0)) != null) {
                throw new ModelFormatException(in.file(), at, "duplicate metadata key " + key);
            }
        }
        GgufMetadata metadata = new GgufMetadata(in.file(), values);
        long alignment = metadata.getLong(ALIGNMENT_KEY, DEFAULT_ALIGNMENT);
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new ModelFormatException(in.file(), ALIGNMENT_KEY + " must be a power of two, got " + alignment);
        }

        TensorInfo[] infos = new TensorInfo[(int) tensorCount];
        for (int i = 0; i < infos.length; i++) {
            infos[i] = readTensorInfo(in);
        }
        long dataOffset = alignUp(in.position(), alignment);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorInfo info : infos) {
            if (tensors.put(info.name, info.slice(in, dataOffset, alignment)) != null) {
                throw new ModelFormatException(in.file(), info.at, "duplicate tensor name " + info.name);
            }
        }
        return new GgufFile(in.file(), version, metadata, alignment, dataOffset, tensors);
    }

    private static int readVersion(SegmentReader in) {
        long at = in.position();
        int version = in.i32("version");
        if (version == 2 || version == 3) {
            return version;
        }
        int swapped = Integer.reverseBytes(version);
        String hint = swapped == 2 || swapped == 3 ? " (a big-endian file, which is not supported)" : "";
        throw new ModelFormatException(in.file(), at, "unsupported GGUF version " + Integer.toUnsignedString(version)
                + hint + "; versions 2 and 3 are supported");
    }

    private static GgufValueType readValueType(SegmentReader in, String what) {
        long at = in.position();
        long id = in.u32(what);
        GgufValueType type = GgufValueType.byId(id);
        if (type == null) {
            throw new ModelFormatException(in.file(), at, "unknown metadata value type id " + id + " (" + what + ")");
        }
        return type;
    }

    static String readString(SegmentReader in, String what) {
        long length = in.i64("length of " + what);
        return in.utf8(length, what);
    }

    /** Boxed explicitly: a switch mixing long and float results would silently widen to double. */
    private static Object readValue(SegmentReader in, GgufValueType type, String key, int depth) {
        return switch (type) {
            case FLOAT32 -> Float.valueOf(in.f32(key));
            case FLOAT64 -> Double.valueOf(in.f64(key));
            case BOOL -> Boolean.valueOf(readBool(in, key));
            case STRING -> readString(in, key);
            case ARRAY -> readArray(in, key, depth);
            default -> Long.valueOf(readInteger(in, type, key));
        };
    }

    private static long readInteger(SegmentReader in, GgufValueType type, String key) {
        return switch (type) {
            case UINT8 -> in.u8(key);
            case INT8 -> (byte) in.u8(key);
            case UINT16 -> Short.toUnsignedInt(in.i16(key));
            case INT16 -> in.i16(key);
            case UINT32 -> in.u32(key);
            case INT32 -> in.i32(key);
            case UINT64, INT64 -> in.i64(key);
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
    }

    private static boolean readBool(SegmentReader in, String key) {
        int b = in.u8(key);
        if (b > 1) {
            throw new ModelFormatException(in.file(), in.position() - 1, "bad bool value " + b + " in " + key);
        }
        return b == 1;
    }

    private static Object readArray(SegmentReader in, String key, int depth) {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw in.error("arrays nested deeper than " + MAX_ARRAY_DEPTH + " in " + key);
        }
        GgufValueType type = readValueType(in, "element type of array " + key);
        long count = in.i64("length of array " + key);
        in.requireElements(count, type.minBytes(), "array " + key);
        int n = (int) count;
        switch (type) {
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readString(in, key + "[" + i + "]");
                }
                return a;
            }
            case FLOAT32 -> {
                return in.f32Array(n, key);
            }
            case FLOAT64 -> {
                return in.f64Array(n, key);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readBool(in, key);
                }
                return a;
            }
            case ARRAY -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readArray(in, key + "[" + i + "]", depth + 1);
                }
                return a;
            }
            default -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readInteger(in, type, key);
                }
                return a;
            }
        }
    }

    private static TensorInfo readTensorInfo(SegmentReader in) {
        long at = in.position();
        String name = readString(in, "tensor name");
        long nDims = in.u32("dimension count of tensor " + name);
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new ModelFormatException(in.file(), at, "tensor " + name + " has " + nDims
                    + " dimensions; 1 to " + MAX_DIMS + " are allowed");
        }
        long[] dims = new long[(int) nDims];
        long elements = 1;
        for (int d = 0; d < dims.length; d++) {
            dims[d] = in.i64("dimension " + d + " of tensor " + name);
            if (dims[d] <= 0) {
                throw new ModelFormatException(in.file(), at, "tensor " + name + " has a bad dimension "
                        + Long.toUnsignedString(dims[d]));
            }
            elements = multiplyOrFail(in, at, name, elements, dims[d]);
        }
        long typeAt = in.position();
        long typeId = in.u32("type of tensor " + name);
        GgmlType type = typeId > Integer.MAX_VALUE ? null : GgmlType.byId((int) typeId);
        if (type == null) {
            throw new ModelFormatException(in.file(), typeAt, "unknown tensor type id " + typeId + " in tensor " + name);
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new ModelFormatException(in.file(), at, "tensor " + name + ": row length " + dims[0]
                    + " is not a multiple of " + type + "'s block size " + type.blockSize());
        }
        long bytes = multiplyOrFail(in, at, name, elements / type.blockSize(), type.blockBytes());
        long offset = in.i64("data offset of tensor " + name);
        return new TensorInfo(at, name, dims, type, offset, bytes);
    }

    private static long multiplyOrFail(SegmentReader in, long at, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(in.file(), at, "tensor " + name + " is impossibly large");
        }
    }

    static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** A tensor info as read, before its data is located. {@code at} is where the info starts, for errors. */
    private record TensorInfo(long at, String name, long[] dims, GgmlType type, long offset, long bytes) {
        Tensor slice(SegmentReader in, long dataOffset, long alignment) {
            if (offset % alignment != 0) {
                throw new ModelFormatException(in.file(), at, "tensor " + name + ": data offset "
                        + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
            }
            return new Tensor(name, type, dims, in.slice(dataOffset + offset, bytes, "data of tensor " + name));
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public long alignment() {
        return alignment;
    }

    /** File offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Tensors in file order, under their GGUF names. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }
}
