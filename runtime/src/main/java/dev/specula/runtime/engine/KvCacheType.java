package dev.specula.runtime.engine;

import dev.specula.runtime.model.ModelConfig;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How the CPU stores a sequence's keys and values. */
public enum KvCacheType {
    /** 32-bit floats: attention reads back exactly what the projections computed. */
    F32(Float.BYTES),
    /** IEEE half floats (llama.cpp's default cache): half the memory, each value rounded to 11 significant bits. */
    F16(Short.BYTES);

    private final int bytesPerValue;

    KvCacheType(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /** Bytes of a cache of this type holding {@code positions} positions in every layer of {@code config}. */
    public long bytes(ModelConfig config, int positions) {
        return 2L * config.layers() * positions * config.kvDim() * bytesPerValue;
    }

    /** The name users write: {@code f32}, {@code f16}. */
    private String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type of this {@link #label}, in any case. */
    public static Optional<KvCacheType> named(String label) {
        return Arrays.stream(values()).filter(t -> t.label().equalsIgnoreCase(label)).findFirst();
    }
}
