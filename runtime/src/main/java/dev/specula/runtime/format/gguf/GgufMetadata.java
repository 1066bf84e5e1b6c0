package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.ModelFormatException;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * Typed access to GGUF metadata (see {@link GgufFile} for how values are represented).
 * A missing key or a value of the wrong type is an error in the file, reported with the key.
 */
public final class GgufMetadata {
    private final Path file;
    private final Map<String, Object> values;

    public GgufMetadata(Path file, Map<String, Object> values) {
        this.file = file;
        this.values = Collections.unmodifiableMap(values);
    }

    /** All values, in file order. */
    public Map<String, Object> asMap() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public long getLong(String key) {
        return get(key, Long.class, "an integer");
    }

    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    /** An integer that must fit in an int (counts, sizes, ids). */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw new ModelFormatException(file, "metadata " + key + " = " + v + " is out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    /** A float32 or float64 value, as a float. */
    public float getFloat(String key) {
        Object v = values.get(key);
        if (v instanceof Float || v instanceof Double) {
            return ((Number) v).floatValue();
        }
        throw wrongType(key, v, "a float");
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    public double getDouble(String key) {
        Object v = values.get(key);
        if (v instanceof Float || v instanceof Double) {
            return ((Number) v).doubleValue();
        }
        throw wrongType(key, v, "a float");
    }

    public boolean getBoolean(String key) {
        return get(key, Boolean.class, "a bool");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return has(key) ? getBoolean(key) : defaultValue;
    }

    public String getString(String key) {
        return get(key, String.class, "a string");
    }

    public String getString(String key, String defaultValue) {
        return has(key) ? getString(key) : defaultValue;
    }

    public String[] getStringArray(String key) {
        return get(key, String[].class, "an array of strings");
    }

    public float[] getFloatArray(String key) {
        return get(key, float[].class, "an array of float32");
    }

    public double[] getDoubleArray(String key) {
        return get(key, double[].class, "an array of float64");
    }

    public long[] getLongArray(String key) {
        return get(key, long[].class, "an array of integers");
    }

    /** An integer array whose values must all fit in an int (token types, ids). */
    public int[] getIntArray(String key) {
        long[] a = getLongArray(key);
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != (int) a[i]) {
                throw new ModelFormatException(file, "metadata " + key + "[" + i + "] = " + a[i] + " is out of range");
            }
            out[i] = (int) a[i];
        }
        return out;
    }

    public boolean[] getBooleanArray(String key) {
        return get(key, boolean[].class, "an array of bools");
    }

    public Object[] getArrayArray(String key) {
        return get(key, Object[].class, "an array of arrays");
    }

    private <T> T get(String key, Class<T> type, String expected) {
        Object v = values.get(key);
        if (type.isInstance(v)) {
            return type.cast(v);
        }
        throw wrongType(key, v, expected);
    }

    private ModelFormatException wrongType(String key, Object value, String expected) {
        if (value == null) {
            return new ModelFormatException(file, "missing metadata " + key);
        }
        return new ModelFormatException(file, "metadata " + key + " should be " + expected + " but is " + describe(value));
    }

    private static String describe(Object value) {
        return switch (value) {
            case Long _ -> "an integer";
            case Float _ -> "a float32";
            case Double _ -> "a float64";
            case Boolean _ -> "a bool";
            case String _ -> "a string";
            default -> "an array (" + value.getClass().getSimpleName() + ")";
        };
    }
}
