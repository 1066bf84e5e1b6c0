package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.generate.GenerationRequest;
import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.generate.TokenListener;
import dev.specula.runtime.sampling.SamplerConfig;
import dev.specula.service.EnsembleChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Continues a prompt; the continuation goes to stdout as it is produced, statistics to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation of a prompt. Only the generated text goes to stdout.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-p", "--prompt"}, required = true, description = "Text to continue.")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Maximum tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Keep the K most likely tokens; 0 keeps all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus sampling threshold (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Drop tokens below min-p times the best token's probability (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Penalty on recently used tokens; 1 is off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "Tokens the repetition penalty looks back on (default: ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--seed", description = "Random seed; the same seed gives the same output (default: random, printed to stderr).")
    Long seed;

    @Option(names = "--stop", description = "Stop when this string is generated (repeatable).")
    List<String> stop;

    @Option(names = "--ensemble", paramLabel = "E|none", description = EnsembleChoice.DESCRIPTION)
    String ensemble;

    @Option(names = "--uncertainty", paramLabel = "summary|json", defaultValue = "summary",
            description = "summary: one line per response on stderr; json: also one JSON object per generated token "
                    + "(index, id, text, logprob, entropy, expected_entropy, mutual_information, disagreement, "
                    + "member_probs) on stderr, or in --uncertainty-file. Default: ${DEFAULT-VALUE}.")
    UncertaintyOutput uncertainty;

    @Option(names = "--uncertainty-file", paramLabel = "FILE",
            description = "Write the per-token JSON lines of --uncertainty json to FILE instead of stderr.")
    Path uncertaintyFile;

    enum UncertaintyOutput { summary, json }

    @Override
    public Integer call() {
        long chosenSeed = seed != null ? seed : System.nanoTime();
        SamplerConfig sampler = new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, chosenSeed);
        GenerationRequest request = new GenerationRequest(prompt, maxTokens, sampler, stop);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        PrintStream json = openJson();
        EnsembleChoice choice = new EnsembleChoice(ensemble);
        try (Engine engine = modelOptions.openEngine(choice)) {
            choice.attachTo(engine);
            GenerationResult result = engine.generator().generate(request, new TokenListener() {
                private int index;

                @Override
                public boolean onToken(int token, String text) {
                    out.print(text);
                    out.flush();
                    return true;
                }

                @Override
                public boolean onToken(GeneratedToken token) {
                    if (json != null && token.uncertainty() != null) {
                        json.println(UncertaintyJson.line(index++, token));
                    }
                    return onToken(token.id(), token.text());
                }
            });
            out.println();
            out.flush();
            Stats.printGeneration(engine, result, sampler);
            ModelOptions.printOffloadStats(engine);
        } finally {
            if (json != null && json != System.err) {
                json.close();
            }
        }
        return 0;
    }

    private PrintStream openJson() {
        if (uncertainty != UncertaintyOutput.json) {
            if (uncertaintyFile != null) {
                throw new SpeculaException("--uncertainty-file needs --uncertainty json");
            }
            return null;
        }
        if (uncertaintyFile == null) {
            return System.err;
        }
        try {
            return new PrintStream(Files.newOutputStream(uncertaintyFile), true, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SpeculaException("--uncertainty-file " + uncertaintyFile + ": cannot write: " + e.getMessage());
        }
    }
}
