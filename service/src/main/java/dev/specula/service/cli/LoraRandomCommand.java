package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.PeftAdapter;
import dev.specula.runtime.lora.RandomEnsemble;
import dev.specula.runtime.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/** Writes a seeded ensemble of random adapters: members differ, so their disagreement is visible. */
@Command(name = "random", mixinStandardHelpOptions = true,
        description = "Write a seeded random LoRA ensemble for a base model (B is non-zero, so members disagree).")
public final class LoraRandomCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-k", "--members"}, required = true, paramLabel = "K", description = "Number of members.")
    int members;

    @Option(names = {"-r", "--rank"}, defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", description = "lora_alpha; the update is scaled by alpha/rank (default: the rank).")
    Integer alpha;

    @Option(names = "--targets", defaultValue = "q,v", paramLabel = "LIST",
            description = "Comma list of projections from q,k,v,o,gate,up,down (default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--scale", defaultValue = "0.1", paramLabel = "X",
            description = "Size of each update relative to the base projection's output, |BAx| ~ X |Wx| (default: ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--format", defaultValue = "ensemble", paramLabel = "ensemble|peft",
            description = "ensemble: one file (conventionally NAME" + EnsembleFile.SUFFIX + "); peft: a PEFT adapter "
                    + "folder per member, OUT/m0, OUT/m1, ... (OUT itself when K is 1). Default: ${DEFAULT-VALUE}.")
    OutputFormat format;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "E", description = "Output file or folder.")
    Path out;

    enum OutputFormat { ensemble, peft }

    @Override
    public Integer call() {
        if (members < 1 || members > 64) {
            throw new SpeculaException("--members " + members + ": must be between 1 and 64");
        }
        if (rank < 1) {
            throw new SpeculaException("--rank " + rank + ": must be positive");
        }
        int a = alpha == null ? rank : alpha;
        if (a < 1) {
            throw new SpeculaException("--alpha " + a + ": must be positive");
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new SpeculaException("--scale " + scale + ": must be a positive number");
        }
        Set<LoraTarget> parsed = LoraTarget.parseList(targets);
        try (Model model = modelOptions.loadModel()) {
            LoraEnsemble e = RandomEnsemble.create(model, members, rank, a, parsed, seed, scale);
            if (format == OutputFormat.ensemble) {
                EnsembleFile.write(out, e);
            } else {
                for (int k = 0; k < members; k++) {
                    PeftAdapter.write(members == 1 ? out : out.resolve("m" + k), e.member(k), e.baseModel());
                }
            }
            System.out.printf(Locale.ROOT, "wrote %s: %d members, rank %d, alpha %d, targets %s, seed %d, scale %s%n",
                    out, members, rank, a, LoraTarget.join(parsed), seed, scale);
            if (format == OutputFormat.ensemble) {
                System.err.printf(Locale.ROOT, "[lora] %s, %d bytes%n", out, sizeOf(out));
            }
        }
        return 0;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
