package dev.specula.runtime.uncertainty;

/** Mean and maximum of a per-token quantity over a response. */
public record Statistic(double mean, double max) {
    public static final Statistic EMPTY = new Statistic(0, 0);
}
