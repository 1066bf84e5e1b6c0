package dev.specula.runtime.bench;

import java.util.Arrays;

/** Summaries of timed samples. */
final class Samples {

    private Samples() {
    }

    /** The middle value of {@code values} (the mean of the two middle ones for an even count). */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }
}
