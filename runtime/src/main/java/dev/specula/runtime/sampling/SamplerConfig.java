package dev.specula.runtime.sampling;

import dev.specula.runtime.InvalidParameterException;

/**
 * How the next token is chosen from the logits.
 *
 * @param temperature       0 means greedy (argmax); otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (0: all)
 * @param topP              keep the smallest set whose probability reaches p (1: all)
 * @param minP              drop tokens less likely than minP times the most likely one (0: none)
 * @param repetitionPenalty CTRL-style penalty on tokens seen in the last {@code repetitionWindow} tokens (1: off)
 * @param repetitionWindow  how many recent tokens the penalty looks at
 * @param seed              seed of the random draw: the same seed gives the same output
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                            int repetitionWindow, long seed) {

    public static final SamplerConfig GREEDY = new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0);

    public SamplerConfig {
        check(Float.isFinite(temperature) && temperature >= 0, "temperature", temperature, "must be >= 0");
        check(topK >= 0, "top_k", topK, "must be >= 0");
        check(topP > 0 && topP <= 1, "top_p", topP, "must be in (0, 1]");
        check(minP >= 0 && minP < 1, "min_p", minP, "must be in [0, 1)");
        check(Float.isFinite(repetitionPenalty) && repetitionPenalty > 0, "repetition_penalty", repetitionPenalty,
                "must be > 0");
        check(repetitionWindow >= 0, "repetition window", repetitionWindow, "must be >= 0");
    }

    private static void check(boolean ok, String name, Object value, String rule) {
        if (!ok) {
            throw new InvalidParameterException(name, value, rule);
        }
    }

    public boolean greedy() {
        return temperature == 0f;
    }
}
