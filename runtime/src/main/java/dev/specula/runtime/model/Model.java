package dev.specula.runtime.model;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.tensor.Tensor;
import dev.specula.runtime.tokenizer.Tokenizer;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded model: its configuration, its tensors under canonical names ({@link TensorNames}),
 * its tokenizer and the metadata of the file it came from. Owns the arena that maps the file;
 * closing the model unmaps it.
 */
public final class Model implements AutoCloseable {
    private final Path source;
    private final String format;
    private final ModelConfig config;
    private final Map<String, Tensor> tensors;
    private final Tokenizer tokenizer;
    private final Map<String, Object> metadata;
    private final Arena arena;

    public Model(Path source, String format, ModelConfig config, Map<String, Tensor> tensors, Tokenizer tokenizer,
                 Map<String, Object> metadata, Arena arena) {
        this.source = source;
        this.format = format;
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.tokenizer = tokenizer;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.arena = arena;
    }

    public Path source() {
        return source;
    }

    /** Short name of the file format: "gguf", "llama2c" or "safetensors". */
    public String format() {
        return format;
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor called {@code name}; a missing tensor is an error in the model file. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new SpeculaException(source + ": missing tensor " + name);
        }
        return t;
    }

    /** The output projection, which is the token embedding when the model ties them. */
    public Tensor outputHead() {
        return has(TensorNames.OUTPUT) ? tensor(TensorNames.OUTPUT) : tensor(TensorNames.TOKEN_EMBEDDING);
    }

    /** Bytes of all tensors. */
    public long weightBytes() {
        return tensors.values().stream().mapToLong(Tensor::byteSize).sum();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
