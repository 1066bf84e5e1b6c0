package dev.specula.runtime.generate;

/** Receives generated text as it is produced. */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token with the text that became final with it (may be empty while a
     * multi-byte character or a possible stop string is incomplete). Text held back until the end
     * arrives in one last call with token -1.
     *
     * @return false to cancel generation
     */
    boolean onToken(int token, String text);

    /** The same call with the token's uncertainty and alternatives; override to receive them. */
    default boolean onToken(GeneratedToken token) {
        return onToken(token.id(), token.text());
    }

    TokenListener NONE = (token, text) -> true;
}
