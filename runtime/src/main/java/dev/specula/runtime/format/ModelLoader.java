package dev.specula.runtime.format;

import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.format.gguf.GgufModelReader;
import dev.specula.runtime.format.llama2c.Llama2cReader;
import dev.specula.runtime.format.safetensors.HuggingFaceReader;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.runtime.tokenizer.TokenizerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a model from any supported source, chosen by what the path is: a folder is a Hugging
 * Face checkpoint, a file starting with "GGUF" is GGUF, a {@code .bin} file is a llama2.c
 * checkpoint. The returned model owns the memory mapping; close it to unmap.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * Loads {@code path} with its tokenizer.
     *
     * @param tokenizerOverride a tokenizer to use instead of the model's own (a llama2.c
     *                          {@code tokenizer.bin}, a GGUF file, a Hugging Face folder or its
     *                          {@code tokenizer.json}), or null
     */
    public static Model load(Path path, Path tokenizerOverride) {
        return load(path, tokenizerOverride, true);
    }

    /** As {@link #load(Path, Path)}; with {@code withTokenizer == false} the model's tokenizer is null. */
    public static Model load(Path path, Path tokenizerOverride, boolean withTokenizer) {
        Arena arena = Arena.ofShared();
        try {
            Kind kind = kind(path);
            Path source = kind == Kind.HUGGING_FACE && Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
            ParsedModel parsed = switch (kind) {
                case GGUF -> GgufModelReader.read(GgufFile.read(source, arena));
                case LLAMA2C -> Llama2cReader.read(SegmentReader.open(source, arena));
                case HUGGING_FACE -> HuggingFaceReader.read(source, arena);
            };
            Tokenizer tokenizer = null;
            if (withTokenizer) {
                int vocab = parsed.config().vocabSize();
                tokenizer = tokenizerOverride != null ? tokenizerFrom(tokenizerOverride, vocab) : switch (kind) {
                    case GGUF -> TokenizerFactory.fromGguf(source, parsed.metadata());
                    case LLAMA2C -> TokenizerFactory.fromLlama2c(Llama2cReader.findTokenizer(source, vocab), vocab);
                    case HUGGING_FACE -> TokenizerFactory.fromHuggingFace(source);
                };
            }
            return new Model(source, parsed.format(), parsed.config(), parsed.tensors(), tokenizer, parsed.metadata(), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private enum Kind { GGUF, LLAMA2C, HUGGING_FACE }

    private static Kind kind(Path path) {
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve(HuggingFaceReader.CONFIG))) {
                throw new ModelFormatException(path, "a folder but not a Hugging Face model (no "
                        + HuggingFaceReader.CONFIG + ")");
            }
            return Kind.HUGGING_FACE;
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "no such file or folder");
        }
        String name = path.getFileName().toString();
        if (isGguf(path)) {
            return Kind.GGUF;
        }
        if (name.endsWith(".bin")) {
            return Kind.LLAMA2C;
        }
        if (name.endsWith(".safetensors") && Files.isRegularFile(path.resolveSibling(HuggingFaceReader.CONFIG))) {
            return Kind.HUGGING_FACE;
        }
        throw new ModelFormatException(path, "not a recognized model: expected a GGUF file, a llama2.c .bin "
                + "checkpoint or a Hugging Face folder");
    }

    private static Tokenizer tokenizerFrom(Path tokenizer, int vocabSize) {
        if (Files.isDirectory(tokenizer)) {
            return TokenizerFactory.fromHuggingFace(tokenizer);
        }
        if (!Files.isRegularFile(tokenizer)) {
            throw new ModelFormatException(tokenizer, "no such tokenizer file or folder");
        }
        if (tokenizer.getFileName().toString().equals("tokenizer.json")) {
            return TokenizerFactory.fromHuggingFace(tokenizer.toAbsolutePath().getParent());
        }
        if (isGguf(tokenizer)) {
            try (Arena arena = Arena.ofShared()) {
                return TokenizerFactory.fromGguf(tokenizer, GgufFile.read(tokenizer, arena).metadata().asMap());
            }
        }
        return TokenizerFactory.fromLlama2c(tokenizer, vocabSize);
    }

    /** Whether {@code file} starts with the GGUF magic. */
    public static boolean isGguf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && ByteBuffer.wrap(magic).order(ByteOrder.LITTLE_ENDIAN).getInt() == GgufFile.MAGIC;
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e);
        }
    }
}
