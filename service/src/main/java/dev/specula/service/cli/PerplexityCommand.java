package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.eval.Perplexity;
import dev.specula.runtime.eval.PerplexityResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Scores a text file; the last stdout line is {@code perplexity: <value>}. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Per-token perplexity of a text file, in windows of the context length.")
public final class PerplexityCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-f", "--file"}, required = true, description = "UTF-8 text file to score.")
    Path file;

    @Option(names = "--max-chunks", defaultValue = "0", description = "Score at most this many windows; 0 scores the whole file.")
    int maxChunks;

    @Override
    public Integer call() {
        String text = readText(file);
        try (Engine engine = modelOptions.openEngine()) {
            int context = engine.contextLength();
            long start = System.nanoTime();
            PerplexityResult r = Perplexity.compute(engine.transformer(), engine.tokenizer(), engine.attention(), text,
                    context, maxChunks, done -> System.err.printf(Locale.ROOT, "\r[perplexity] window %d", done));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.println();
            System.out.printf(Locale.ROOT, "windows: %d of %d tokens%n", r.chunks(), context);
            System.out.printf(Locale.ROOT, "scored tokens: %d (%.1f tok/s)%n", r.scoredTokens(), r.scoredTokens() / seconds);
            System.out.printf(Locale.ROOT, "mean nll: %.6f%n", r.meanNll());
            System.out.printf(Locale.ROOT, "perplexity: %.4f%n", r.perplexity());
            modelOptions.printOffloadStats();
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
