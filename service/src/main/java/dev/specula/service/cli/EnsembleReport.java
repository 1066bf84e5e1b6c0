package dev.specula.service.cli;

import dev.specula.runtime.bench.EnsembleBenchmark;

import java.util.Locale;

import static dev.specula.service.cli.JsonText.number;

/** Single model, batched ensemble and naive K passes, as printed by {@code lora bench} and {@code bench --ensemble}. */
final class EnsembleReport {
    private EnsembleReport() {
    }

    /** One line per way of decoding, each with its ratio to the single model, then ensemble against naive. */
    static String text(EnsembleBenchmark b, int rank) {
        return String.format(Locale.ROOT, "single:   %8.1f tok/s%n", b.singleTokensPerS())
                + String.format(Locale.ROOT, "ensemble: %8.1f tok/s  %.2fx single  (%d members batched, rank %d)%n",
                b.ensembleTokensPerS(), b.ensembleRatio(), b.members(), rank)
                + String.format(Locale.ROOT, "naive:    %8.1f tok/s  %.2fx single  (%d separate passes)%n",
                b.naiveTokensPerS(), b.naiveRatio(), b.members())
                + String.format(Locale.ROOT, "ensemble/naive: %.2fx%n", ensembleOverNaive(b));
    }

    static String toJson(EnsembleBenchmark b, int rank) {
        return "{\"members\": " + b.members() + ", \"rank\": " + rank + ", \"tokens\": " + b.tokens()
                + ", \"rows\": ["
                + "\n  " + row("single", b.singleTokensPerS(), 1)
                + ",\n  " + row("ensemble", b.ensembleTokensPerS(), b.ensembleRatio())
                + ",\n  " + row("naive", b.naiveTokensPerS(), b.naiveRatio())
                + "\n], \"ensemble_vs_naive\": " + number(ensembleOverNaive(b)) + "}";
    }

    private static String row(String mode, double tokensPerSecond, double vsSingle) {
        return "{\"mode\": \"" + mode + "\", \"tokens_per_second\": " + number(tokensPerSecond)
                + ", \"vs_single\": " + number(vsSingle) + "}";
    }

    private static double ensembleOverNaive(EnsembleBenchmark b) {
        return b.ensembleTokensPerS() / b.naiveTokensPerS();
    }
}
