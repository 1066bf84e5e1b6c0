package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.bench.EnsembleBenchmark;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.lora.EnsembleLoader;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.service.EnsembleChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Decode speed of an ensemble against its base model and against K separate passes. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Decode tok/s of the base model alone, the ensemble batched (base weights read once for all K "
                + "members) and the naive K separate passes, with ratios to the base.")
public final class LoraBenchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-e", "--ensemble"}, required = true, paramLabel = "E",
            description = "Ensemble file or PEFT adapter folder.")
    Path ensemble;

    @Option(names = "--tokens", defaultValue = "64", description = "Tokens decoded per measurement (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--rounds", defaultValue = "3", description = "Timed runs over the tokens, after an untimed one; each figure is the median token of all "
                    + "runs, the base and the batched members taking turns token by token (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() {
        if (tokens < 1 || rounds < 1) {
            throw new SpeculaException("--tokens and --rounds must be positive");
        }
        try (Engine engine = modelOptions.openEngine(new EnsembleChoice(ensemble.toString()))) {
            if (tokens > engine.contextLength()) {
                throw new SpeculaException("--tokens " + tokens + " exceeds the context length " + engine.contextLength());
            }
            LoraEnsemble e = EnsembleLoader.load(ensemble, engine.model().config());
            EnsembleBenchmark b = EnsembleBenchmark.run(engine.transformer(), e, engine.attention(), engine.pool(),
                    tokens, rounds);
            System.out.print(EnsembleReport.text(b, e.rank()));
            System.err.printf(Locale.ROOT, "[lora bench] %s | %d tokens x %d rounds | threads %d%n",
                    engine.model().source().getFileName(), tokens, rounds, engine.pool().threads());
        }
        return 0;
    }
}
