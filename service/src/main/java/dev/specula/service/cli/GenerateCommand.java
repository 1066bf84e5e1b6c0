package dev.specula.service.cli;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.generate.GenerationRequest;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.sampling.SamplerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    @Override
    public Integer call() {
        long chosenSeed = seed != null ? seed : System.nanoTime();
        SamplerConfig sampler = new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, chosenSeed);
        GenerationRequest request = new GenerationRequest(prompt, maxTokens, sampler, stop);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Engine engine = modelOptions.openEngine()) {
            GenerationResult result = engine.generator().generate(request, (token, text) -> {
                out.print(text);
                out.flush();
                return true;
            });
            out.println();
            out.flush();
            Stats.printGeneration(engine, result, sampler);
            modelOptions.printOffloadStats();
        }
        return 0;
    }
}
