package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.training.EnsembleEvaluator;
import dev.specula.runtime.training.EvaluationReport;
import dev.specula.runtime.training.FrozenModel;
import dev.specula.runtime.training.TrainingData;
import dev.specula.runtime.training.TrainingExample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Scores an ensemble on a data set: one {@code name: value} line per measure on stdout. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a LoRA ensemble on a .txt or .jsonl file: mixture and member perplexity, mutual "
                + "information, routing statistics and calibration error.")
public final class LoraEvalCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-e", "--ensemble"}, required = true, paramLabel = "E", description = "Ensemble file (" + EnsembleFile.SUFFIX + ").")
    Path ensembleFile;

    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE", description = "Data in the formats `lora train` reads.")
    Path data;

    @Option(names = "--seq-len", defaultValue = "128", paramLabel = "N", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(ensembleFile)) {
            throw new SpeculaException(ensembleFile + ": no such ensemble file");
        }
        try (Model model = modelOptions.loadModel(); ComputePool pool = new ComputePool(modelOptions.threads())) {
            if (seqLen < 2 || seqLen > model.config().contextLength()) {
                throw new SpeculaException("--seq-len " + seqLen + ": must be between 2 and the model's context length "
                        + model.config().contextLength());
            }
            LoraEnsemble ensemble = EnsembleFile.read(ensembleFile, model.config());
            List<TrainingExample> examples = TrainingData.load(data, model.tokenizer(), seqLen);
            long start = System.nanoTime();
            EvaluationReport r = new EnsembleEvaluator(new FrozenModel(model, pool), ensemble, seqLen).evaluate(examples);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "[eval] %d examples, %d tokens x %d members in %.1f s%n", r.examples(),
                    r.tokens(), ensemble.size(), seconds);
            System.out.printf(Locale.ROOT, "examples: %d%n", r.examples());
            System.out.printf(Locale.ROOT, "scored tokens: %d%n", r.tokens());
            System.out.printf(Locale.ROOT, "mixture perplexity: %.4f%n", r.mixturePerplexity());
            for (int k = 0; k < ensemble.size(); k++) {
                System.out.printf(Locale.ROOT, "member %d perplexity: %.4f | mean routing %.3f | wins %.3f%n", k,
                        r.memberPerplexity()[k], r.meanRouting()[k], r.routingWins()[k]);
            }
            System.out.printf(Locale.ROOT, "mutual information: %.5f nats/token%n", r.mutualInformation());
            System.out.printf(Locale.ROOT, "routing entropy: %.4f nats (max %.4f)%n", r.routingEntropy(), Math.log(ensemble.size()));
            System.out.printf(Locale.ROOT, "expected calibration error: %.4f%n", r.calibrationError());
        }
        return 0;
    }
}
