package dev.specula.runtime.tokenizer;

/**
 * Text to token ids and back. Implementations: SentencePiece-style (scores, byte fallback)
 * and byte-level BPE (merges).
 */
public interface Tokenizer {

    int vocabSize();

    /**
     * Tokenizes plain text, without adding BOS/EOS and without interpreting special-token text
     * such as {@code "<s>"} (the behaviour of llama.cpp's tokenizer tests).
     */
    int[] encode(String text);

    /** The raw bytes a token stands for (UTF-8 fragments for byte-level and byte-fallback tokens). */
    byte[] tokenBytes(int token);

    /** The token's text as stored in the vocabulary, for display and debugging. */
    String piece(int token);

    /** Beginning-of-sequence id, or -1 when the vocabulary has none. */
    int bos();

    /** End-of-sequence id, or -1 when the vocabulary has none. */
    int eos();

    /** Whether prompts should start with {@link #bos()}. */
    boolean addBos();

    /** Whether {@code token} ends generation (EOS, end-of-turn and the like). */
    default boolean isEndOfGeneration(int token) {
        return token == eos();
    }

    /** Decodes a whole sequence to text; invalid UTF-8 is replaced, never thrown. */
    default String decode(int[] tokens) {
        Utf8Accumulator out = new Utf8Accumulator();
        StringBuilder text = new StringBuilder();
        for (int t : tokens) {
            text.append(out.append(tokenBytes(t)));
        }
        return text.append(out.flush()).toString();
    }
}
