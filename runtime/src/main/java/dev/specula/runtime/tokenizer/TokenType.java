package dev.specula.runtime.tokenizer;

/**
 * What a vocabulary entry is, with the codes GGUF stores in {@code tokenizer.ggml.token_type}.
 * The kind decides how a token is matched in text and how it is decoded.
 */
public enum TokenType {
    /** Code 0, and any code this runtime does not know: treated like {@link #CONTROL}. */
    UNDEFINED,
    /** Ordinary text piece. */
    NORMAL,
    /** The unknown-token placeholder ({@code <unk>}). */
    UNKNOWN,
    /** BOS, EOS, chat markers: never produced from plain text and decoded to nothing. */
    CONTROL,
    /** Added token matched verbatim in the input before any other tokenization. */
    USER_DEFINED,
    /** Reserved slot. */
    UNUSED,
    /** SentencePiece byte-fallback token {@code <0xXX>}. */
    BYTE;

    private static final TokenType[] BY_CODE = values();

    public static TokenType fromGgufCode(long code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[(int) code] : UNDEFINED;
    }

    /** Tokens that stand for text of their own (decoded as their piece). */
    boolean isText() {
        return this == NORMAL || this == USER_DEFINED;
    }
}
