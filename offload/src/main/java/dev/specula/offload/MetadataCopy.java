package dev.specula.offload;

import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.format.gguf.GgufValueType;
import dev.specula.runtime.format.gguf.GgufWriter;

import java.util.Map;

/**
 * Copies parsed GGUF metadata into a writer. The reader keeps integers of every width as longs,
 * so they are written back as INT64 (and integer arrays as INT64 arrays): this runtime reads any
 * integer width, and the values are unchanged.
 */
final class MetadataCopy {
    private MetadataCopy() {
    }

    static void copy(Map<String, Object> metadata, GgufWriter writer) {
        for (Map.Entry<String, Object> e : metadata.entrySet()) {
            String key = e.getKey();
            if (key.equals(GgufFile.ALIGNMENT_KEY) || key.startsWith(FlashLayout.PREFIX)) {
                continue;
            }
            switch (e.getValue()) {
                case Long v -> writer.put(key, GgufValueType.INT64, v);
                case Float v -> writer.put(key, GgufValueType.FLOAT32, v);
                case Double v -> writer.put(key, GgufValueType.FLOAT64, v);
                case Boolean v -> writer.putBool(key, v);
                case String v -> writer.putString(key, v);
                case String[] v -> writer.putArray(key, GgufValueType.STRING, v);
                case float[] v -> writer.putArray(key, GgufValueType.FLOAT32, v);
                case double[] v -> writer.putArray(key, GgufValueType.FLOAT64, v);
                case boolean[] v -> writer.putArray(key, GgufValueType.BOOL, v);
                case long[] v -> writer.putArray(key, GgufValueType.INT64, v);
                case Object[] v -> writer.putArray(key, GgufValueType.ARRAY, v);
                default -> throw new IllegalArgumentException("metadata " + key + ": unexpected value " + e.getValue());
            }
        }
    }
}
