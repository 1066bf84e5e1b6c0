package dev.specula.runtime.bench;

import java.util.List;

/**
 * One row of a benchmark: how fast a backend ran a model, with the machine limits measured in the
 * same run to judge it by (memory bandwidth for decode, FMA peak for prompts). Backends other than
 * the CPU add their own rows with their own limits.
 *
 * @param bandwidthBytesPerSecond measured streaming-read bandwidth: the decode roofline
 * @param peakFlops               measured FMA peak of the cores the backend used
 * @param decodedTokens           the greedy tokens decoded: backends given the same prompt should agree
 */
public record BenchResult(String backend, String model, int threads, int promptTokens, double promptTokensPerSecond,
                          int genTokens, double decodeTokensPerSecond, long weightBytesPerToken, double flopsPerToken,
                          double bandwidthBytesPerSecond, double peakFlops, List<Integer> decodedTokens) {

    /** Weight bytes per second decode moved. */
    public double effectiveBytesPerSecond() {
        return weightBytesPerToken * decodeTokensPerSecond;
    }

    public double rooflinePercent() {
        return 100 * effectiveBytesPerSecond() / bandwidthBytesPerSecond;
    }

    public double promptFlops() {
        return flopsPerToken * promptTokensPerSecond;
    }

    public double peakPercent() {
        return 100 * promptFlops() / peakFlops;
    }
}
