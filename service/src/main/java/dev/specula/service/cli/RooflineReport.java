package dev.specula.service.cli;

import static dev.specula.service.cli.JsonText.number;

import dev.specula.devices.ByteSize;
import dev.specula.runtime.bench.DecodeRoofline;
import java.util.Locale;

/** Decode against streaming its own weights ({@link DecodeRoofline}), as {@code bench} prints it. */
final class RooflineReport {
    private RooflineReport() {
    }

    static String text(DecodeRoofline r, int threads) {
        return String.format(Locale.ROOT, "%ndecode against reading its own weights (%d tokens, each followed by one "
                        + "plain read of the %s of matrices it multiplied, %d threads):%n", r.tokens(),
                ByteSize.format(r.streamBytes()), threads)
                + String.format(Locale.ROOT, "token %.2f ms (best %.2f) | read %.2f ms (best %.2f), %.1f GB/s | "
                                + "decode at %.1f%% of the weight stream (best against best %.1f%%)%n",
                        1e3 * r.medianTokenSeconds(), 1e3 * r.bestTokenSeconds(), 1e3 * r.medianPassSeconds(),
                        1e3 * r.bestPassSeconds(), r.streamBytesPerSecond() / 1e9, r.percent(), r.bestPercent());
    }

    static String toJson(DecodeRoofline r) {
        return "{\"tokens\": " + r.tokens() + ", \"stream_bytes\": " + r.streamBytes()
                + ", \"token_ms_median\": " + number(1e3 * r.medianTokenSeconds())
                + ", \"token_ms_best\": " + number(1e3 * r.bestTokenSeconds())
                + ", \"read_ms_median\": " + number(1e3 * r.medianPassSeconds())
                + ", \"read_ms_best\": " + number(1e3 * r.bestPassSeconds())
                + ", \"stream_gb_per_second\": " + number(r.streamBytesPerSecond() / 1e9)
                + ", \"percent_of_stream\": " + number(r.percent())
                + ", \"best_percent_of_stream\": " + number(r.bestPercent()) + "}";
    }
}
