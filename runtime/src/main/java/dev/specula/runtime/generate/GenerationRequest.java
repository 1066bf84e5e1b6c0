package dev.specula.runtime.generate;

import dev.specula.runtime.InvalidParameterException;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.sampling.SamplerConfig;

import java.util.List;

/**
 * What to generate.
 *
 * @param prompt    text to continue
 * @param maxTokens upper bound on generated tokens
 * @param sampler   how tokens are chosen
 * @param stop      strings that end generation; they are not part of the output
 * @param topLogprobs how many most likely alternatives to report per token (0: none)
 */
public record GenerationRequest(String prompt, int maxTokens, SamplerConfig sampler, List<String> stop,
                                int topLogprobs) {
    /** OpenAI's limit on top_logprobs. */
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationRequest(String prompt, int maxTokens, SamplerConfig sampler, List<String> stop) {
        this(prompt, maxTokens, sampler, stop, 0);
    }

    public GenerationRequest {
        if (prompt == null) {
            throw new SpeculaException("prompt is missing");
        }
        if (maxTokens < 1) {
            throw new InvalidParameterException("max_tokens", maxTokens, "must be >= 1");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new InvalidParameterException("top_logprobs", topLogprobs, "must be between 0 and " + MAX_TOP_LOGPROBS);
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new SpeculaException("invalid stop string: must not be empty");
            }
        }
    }
}
