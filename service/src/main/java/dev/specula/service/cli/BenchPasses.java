package dev.specula.service.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One backend's timed passes in a {@code bench --rounds} run. A row reports the best prompt and the best
 * decode rate of them: other processes on a shared machine only ever slow a pass down.
 */
final class BenchPasses {
    private final String backend;
    private final List<Double> prompt = new ArrayList<>();
    private final List<Double> decode = new ArrayList<>();

    BenchPasses(String backend) {
        this.backend = backend;
    }

    void add(double promptTokensPerSecond, double decodeTokensPerSecond) {
        prompt.add(promptTokensPerSecond);
        decode.add(decodeTokensPerSecond);
    }

    double bestPrompt() {
        return prompt.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    double bestDecode() {
        return decode.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** {@code "backend": {"prompt_tokens_per_second": [...], "decode_tokens_per_second": [...]}}. */
    String json() {
        return JsonText.string(backend) + ": {\"prompt_tokens_per_second\": " + jsonList(prompt)
                + ", \"decode_tokens_per_second\": " + jsonList(decode) + "}";
    }

    /** {@code backend passes, tok/s: prompt a b c | decode d e f}. */
    String text() {
        return backend + " passes, tok/s: prompt " + textList(prompt) + " | decode " + textList(decode);
    }

    private static String jsonList(List<Double> values) {
        return values.stream().map(JsonText::number).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String textList(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).collect(Collectors.joining(" "));
    }
}
