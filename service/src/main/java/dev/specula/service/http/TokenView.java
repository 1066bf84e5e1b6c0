package dev.specula.service.http;

import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.runtime.uncertainty.Alternative;
import dev.specula.runtime.uncertainty.TokenUncertainty;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A generated token as logprobs report it: its text (a lone UTF-8 fragment decodes to U+FFFD, the
 * bytes field keeps the truth), how sure the model was, and the most likely alternatives.
 */
record TokenView(String token, byte[] bytes, TokenUncertainty uncertainty, List<Choice> top) {

    /** An alternative token at the same step. */
    record Choice(String token, byte[] bytes, double logprob) {
    }

    /** Null for the final flush of held-back text, which is no token of its own. */
    static TokenView of(GeneratedToken t, Tokenizer tokenizer) {
        if (t.id() < 0) {
            return null;
        }
        List<Choice> top = new ArrayList<>(t.alternatives().length);
        for (Alternative a : t.alternatives()) {
            byte[] b = tokenizer.tokenBytes(a.id());
            top.add(new Choice(new String(b, StandardCharsets.UTF_8), b, a.logprob()));
        }
        byte[] bytes = tokenizer.tokenBytes(t.id());
        return new TokenView(new String(bytes, StandardCharsets.UTF_8), bytes, t.uncertainty(), top);
    }
}
