package dev.specula.runtime.generate;

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
 */
public record GenerationRequest(String prompt, int maxTokens, SamplerConfig sampler, List<String> stop) {

    public GenerationRequest {
        if (prompt == null) {
            throw new SpeculaException("prompt is missing");
        }
        if (maxTokens < 1) {
            throw new SpeculaException("invalid max_tokens " + maxTokens + ": must be >= 1");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new SpeculaException("invalid stop string: must not be empty");
            }
        }
    }
}
