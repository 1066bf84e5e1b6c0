package dev.specula.runtime.format.safetensors;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.json.JsonException;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * mapping tensor names to dtype, shape and data offsets (relative to the end of the header),
 * then the data. Tensors keep their file names and are zero-copy slices of the mapping.
 * Shapes are row-major, outermost first, so ggml-order dims are the shape reversed.
 */
public final class SafetensorsFile {
    private static final String METADATA_KEY = "__metadata__";

    private final Path path;
    private final Map<String, Tensor> tensors;
    private final Map<String, Object> metadata;

    private SafetensorsFile(Path path, Map<String, Tensor> tensors, Map<String, Object> metadata) {
        this.path = path;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    public static SafetensorsFile read(Path file, Arena arena) {
        return read(SegmentReader.open(file, arena));
    }

    public static SafetensorsFile read(SegmentReader in) {
        Path file = in.file();
        long headerLength = in.i64("header length");
        if (headerLength < 2 || headerLength > in.remaining()) {
            throw new ModelFormatException(file, 0, "header length " + Long.toUnsignedString(headerLength)
                    + " does not fit in the file (" + in.size() + " bytes): not a safetensors file, or truncated");
        }
        Map<String, Object> header;
        try {
            header = Json.parseObject(in.utf8(headerLength, "JSON header"));
        } catch (JsonException e) {
            throw new ModelFormatException(file, "bad safetensors JSON header: " + e.getMessage());
        }
        long dataStart = in.position();
        long dataSize = in.size() - dataStart;

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            if (name.equals(METADATA_KEY)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new ModelFormatException(file, METADATA_KEY + " must be a JSON object");
                }
                m.forEach((k, v) -> metadata.put(String.valueOf(k), v));
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info)) {
                throw new ModelFormatException(file, "header entry for tensor " + name + " is not a JSON object");
            }
            GgmlType type = dtype(file, name, info.get("dtype"));
            long[] dims = dims(file, name, info.get("shape"));
            long[] range = offsets(file, name, info.get("data_offsets"));
            if (range[0] > range[1] || range[1] > dataSize) {
                throw new ModelFormatException(file, "data_offsets [" + range[0] + ", " + range[1] + "] of tensor " + name
                        + " lie outside the data section (" + dataSize + " bytes)");
            }
            long expected;
            try {
                expected = type.bytesFor(Tensor.elementCount(dims));
            } catch (ArithmeticException ex) {
                throw new ModelFormatException(file, "tensor " + name + " has an impossibly large shape");
            }
            if (range[1] - range[0] != expected) {
                throw new ModelFormatException(file, "tensor " + name + " has " + (range[1] - range[0]) + " bytes of data but "
                        + type + " shape " + info.get("shape") + " needs " + expected);
            }
            tensors.put(name, new Tensor(name, type, dims, in.slice(dataStart + range[0], expected, "data of tensor " + name)));
        }
        return new SafetensorsFile(file, tensors, metadata);
    }

    private static GgmlType dtype(Path file, String name, Object dtype) {
        if (!(dtype instanceof String s)) {
            throw new ModelFormatException(file, "tensor " + name + " has no dtype");
        }
        return switch (s) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            default -> throw new ModelFormatException(file, "unsupported tensor type " + s + " in tensor " + name);
        };
    }

    /** The shape reversed into ggml order; a scalar (empty shape) becomes one element. */
    private static long[] dims(Path file, String name, Object shape) {
        List<?> list = shape instanceof List<?> l ? l : null;
        if (list == null || list.size() > 4) {
            throw new ModelFormatException(file, "tensor " + name + " has a missing or unsupported shape " + shape);
        }
        if (list.isEmpty()) {
            return new long[] {1};
        }
        long[] dims = new long[list.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!(list.get(i) instanceof Long d) || d < 0) {
                throw new ModelFormatException(file, "tensor " + name + " has a bad shape " + shape);
            }
            dims[dims.length - 1 - i] = d;
        }
        return dims;
    }

    private static long[] offsets(Path file, String name, Object offsets) {
        if (offsets instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Long begin && l.get(1) instanceof Long end
                && begin >= 0 && end >= 0) {
            return new long[] {begin, end};
        }
        throw new ModelFormatException(file, "tensor " + name + " has bad data_offsets " + offsets);
    }

    public Path path() {
        return path;
    }

    /** Tensors under their file names, in header order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The optional {@code __metadata__} object. */
    public Map<String, Object> metadata() {
        return metadata;
    }
}
