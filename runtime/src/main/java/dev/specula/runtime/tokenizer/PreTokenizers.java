package dev.specula.runtime.tokenizer;

/**
 * The pre-tokenizer regexes llama.cpp ({@code src/llama-vocab.cpp}) uses for each GGUF
 * {@code tokenizer.ggml.pre} value, translated to {@link java.util.regex.Pattern}.
 */
final class PreTokenizers {
    /** GPT-2's regex (llama.cpp runs a hand-written equivalent of it). */
    static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** CJK and Hangul runs as llama.cpp writes them: [一-龥ࠀ-一가-퟿]. */
    private static final String CJK = "[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF]+";

    private PreTokenizers() {
    }

    /** The pre-tokenizer for a GGUF {@code tokenizer.ggml.pre} value, or null if it is not supported. */
    static PreTokenizer forGguf(String pre) {
        return switch (pre) {
            case "gpt-2", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de", "jina-v1-en", "jina-v2-code",
                 "roberta-bpe" -> PreTokenizer.regexes(GPT2);
            case "falcon" -> PreTokenizer.regexes("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "[0-9][0-9][0-9]");
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    PreTokenizer.regexes("\\p{N}", GPT2);
            case "deepseek-coder" ->
                    PreTokenizer.regexes("[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}");
            // llama.cpp spells out a letter class that is exactly the cased letters, \p{LC};
            // ECMAScript's '$' (end of input only) is Java's \z.
            case "deepseek-llm" -> PreTokenizer.regexes("[\\r\\n]", "\\s?\\p{LC}+",
                    "\\s?[!-/:-~\\uFF01-\\uFF0F\\uFF1A-\\uFF5E\\u2018-\\u201F\\u3000-\\u3002]+",
                    "\\s+\\z", CJK, "\\p{N}+");
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe" -> PreTokenizer.regexes(LLAMA3);
            case "qwen2", "stablelm2", "deepseek-r1-qwen" -> PreTokenizer.regexes(QWEN2);
            case "default" -> PreTokenizer.regexes("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
            default -> null;
        };
    }
}
