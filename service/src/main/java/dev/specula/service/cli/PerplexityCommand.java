package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.eval.EnsemblePerplexityResult;
import dev.specula.runtime.eval.Perplexity;
import dev.specula.runtime.eval.PerplexityResult;
import dev.specula.service.EnsembleChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

/**
 * Scores a text file; the last stdout line is {@code perplexity: <value>}, of the base model or, with
 * {@code --ensemble}, of the members' mixture (each member's own perplexity on the lines before it).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Per-token perplexity of a text file, in windows of the context length; of a LoRA ensemble's "
                + "mixture with --ensemble.")
public final class PerplexityCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-f", "--file"}, required = true, description = "UTF-8 text file to score.")
    Path file;

    @Option(names = "--max-chunks", defaultValue = "0", description = "Score at most this many windows; 0 scores the whole file.")
    int maxChunks;

    @Option(names = "--ensemble", paramLabel = "E|none",
            description = "Score with this LoRA ensemble (file or PEFT adapter folder): the perplexity of the members' "
                    + "mixture, log sum_k pi_k p_k (the distribution generate samples from), after each member's own. "
                    + "Default and none: the base model alone.")
    String ensemble;

    @Override
    public Integer call() {
        String text = readText(file);
        EnsembleChoice choice = new EnsembleChoice(ensemble == null ? EnsembleChoice.NONE : ensemble);
        choice.requireExists();
        try (Engine engine = modelOptions.openEngine(choice)) {
            choice.attachTo(engine);
            int context = engine.contextLength();
            IntConsumer progress = done -> System.err.printf(Locale.ROOT, "\r[perplexity] window %d", done);
            long start = System.nanoTime();
            Optional<EnsembleTransformer> members = engine.ensemble();
            EnsemblePerplexityResult r = members.isPresent()
                    ? Perplexity.compute(members.get(), engine.tokenizer(), engine.attention(), text, context, maxChunks,
                            progress)
                    : new EnsemblePerplexityResult(Perplexity.compute(engine.transformer(), engine.tokenizer(),
                            engine.attention(), text, context, maxChunks, progress), List.of());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.println();
            PerplexityResult mixture = r.mixture();
            System.out.printf(Locale.ROOT, "windows: %d of %d tokens%n", mixture.chunks(), context);
            System.out.printf(Locale.ROOT, "scored tokens: %d (%.1f tok/s%s)%n", mixture.scoredTokens(),
                    mixture.scoredTokens() / seconds, r.members().isEmpty() ? "" : ", every member");
            for (int k = 0; k < r.members().size(); k++) {
                PerplexityResult m = r.members().get(k);
                System.out.printf(Locale.ROOT, "member %d: mean nll %.6f, perplexity %.4f%n", k, m.meanNll(),
                        m.perplexity());
            }
            String of = r.members().isEmpty() ? "" : " (mixture of " + r.members().size() + ")";
            System.out.printf(Locale.ROOT, "mean nll%s: %.6f%n", of, mixture.meanNll());
            System.out.printf(Locale.ROOT, "perplexity: %.4f%n", mixture.perplexity());
            ModelOptions.printOffloadStats(engine);
        }
        return 0;
    }

    static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new SpeculaException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new SpeculaException(file + ": cannot read: " + e.getMessage());
        }
    }
}
