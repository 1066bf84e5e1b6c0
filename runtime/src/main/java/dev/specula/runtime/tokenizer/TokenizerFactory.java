package dev.specula.runtime.tokenizer;

import java.nio.file.Path;
import java.util.Map;

/** Builds the right {@link Tokenizer} from whatever a model file or folder provides. */
public final class TokenizerFactory {
    private TokenizerFactory() {
    }

    /** From GGUF metadata ({@code tokenizer.ggml.*}); {@code file} is named in errors. */
    public static Tokenizer fromGguf(Path file, Map<String, Object> metadata) {
        return GgufTokenizerLoader.load(file, metadata);
    }

    /** From a llama2.c {@code tokenizer.bin} holding {@code vocabSize} entries. */
    public static Tokenizer fromLlama2c(Path tokenizerBin, int vocabSize) {
        return Llama2cTokenizerLoader.load(tokenizerBin, vocabSize);
    }

    /** From a Hugging Face folder's {@code tokenizer.json} (and {@code tokenizer_config.json} when present). */
    public static Tokenizer fromHuggingFace(Path folder) {
        return HuggingFaceTokenizerLoader.load(folder);
    }
}
