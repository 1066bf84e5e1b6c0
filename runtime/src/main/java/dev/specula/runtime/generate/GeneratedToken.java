package dev.specula.runtime.generate;

import dev.specula.runtime.uncertainty.Alternative;
import dev.specula.runtime.uncertainty.TokenUncertainty;

/**
 * One generated token as streamed to a listener.
 *
 * @param id           token id, or -1 for the final flush of held-back text
 * @param text         text that became final with this token (may be empty)
 * @param uncertainty  how sure the model was (null for the final flush)
 * @param alternatives the most likely tokens at this step when the request asked for top logprobs, else empty
 */
public record GeneratedToken(int id, String text, TokenUncertainty uncertainty, Alternative[] alternatives) {

    static GeneratedToken flush(String text) {
        return new GeneratedToken(-1, text, null, new Alternative[0]);
    }
}
