package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.PeftAdapter;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.training.EnsembleTrainer;
import dev.specula.runtime.training.FrozenModel;
import dev.specula.runtime.training.LearningRateSchedule;
import dev.specula.runtime.training.StepReport;
import dev.specula.runtime.training.TrainingCheckpoint;
import dev.specula.runtime.training.TrainingData;
import dev.specula.runtime.training.TrainingExample;
import dev.specula.runtime.training.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Trains a LoRA ensemble under the alpha-Renyi objective; progress on stderr, the files it wrote on stdout. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train K LoRA members jointly with the alpha-Renyi objective (alpha 1: deep ensemble, "
                + "alpha 0: mixture of soft specialists) and write an ensemble file plus a PEFT folder per member.")
public final class LoraTrainCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE",
            description = ".txt (cut into --seq-len windows) or .jsonl with {\"prompt\",\"completion\"} (loss on the "
                    + "completion only) or {\"text\"} per line.")
    Path data;

    @Option(names = {"-k", "--members"}, defaultValue = "4", paramLabel = "K", description = "Ensemble members (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = {"-r", "--rank"}, defaultValue = "4", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--alpha", defaultValue = "0.5", paramLabel = "A",
            description = "alpha of the Renyi objective, >= 0: 1 trains a deep ensemble, 0 the mixture likelihood "
                    + "(members specialise) (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--lora-alpha", paramLabel = "X", description = "lora_alpha; updates are scaled by X/rank (default: 2 x rank).")
    Float loraAlpha;

    @Option(names = "--targets", defaultValue = "q,k,v,o,gate,up,down", paramLabel = "LIST",
            description = "Comma list of projections from q,k,v,o,gate,up,down (default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.005", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--lr-schedule", defaultValue = "linear", paramLabel = "linear|constant",
            description = "Learning rate over the run: linear decays it to zero by the last step, so the members do not "
                    + "end wherever the last batches pushed them (default: ${DEFAULT-VALUE}).")
    String lrSchedule;

    @Option(names = "--batch", defaultValue = "8", description = "Examples per optimizer step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq-len", defaultValue = "128", paramLabel = "N",
            description = "Tokens per training sequence; longer examples are cut (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds member initialisation and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lambda", defaultValue = "0", description = "L2 penalty lambda * sum_k ||theta_k||^2 (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--clip", defaultValue = "1.0", description = "Global gradient-norm clip; 0 disables (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--init-b", defaultValue = "0.02", paramLabel = "STD",
            description = "Standard deviation of B at initialisation; non-zero so members start as different "
                    + "functions (default: ${DEFAULT-VALUE}).")
    double initB;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Save a resumable checkpoint here every --checkpoint-every steps and at the end of each epoch.")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "50", paramLabel = "STEPS", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue from the checkpoint in --checkpoint (same settings required).")
    boolean resume;

    @Option(names = "--no-peft", description = "Do not write the per-member PEFT adapter folders.")
    boolean noPeft;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "E",
            description = "Ensemble file to write (conventionally NAME" + EnsembleFile.SUFFIX + "); PEFT folders go to "
                    + "NAME-peft/m0, m1, ...")
    Path out;

    @Override
    public Integer call() {
        if (resume && checkpoint == null) {
            throw new SpeculaException("--resume needs --checkpoint DIR");
        }
        if (checkpointEvery < 1) {
            throw new SpeculaException("--checkpoint-every " + checkpointEvery + ": must be positive");
        }
        TrainingOptions options;
        try {
            options = new TrainingOptions(members, rank, loraAlpha == null ? 2f * rank : loraAlpha,
                    LoraTarget.parseList(targets), alpha, epochs, lr, LearningRateSchedule.parse(lrSchedule), batch, seed,
                    lambda, clip, initB);
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("invalid training settings: " + e.getMessage());
        }
        try (Model model = modelOptions.loadModel(); ComputePool pool = new ComputePool(modelOptions.threads())) {
            if (seqLen < 2 || seqLen > model.config().contextLength()) {
                throw new SpeculaException("--seq-len " + seqLen + ": must be between 2 and the model's context length "
                        + model.config().contextLength());
            }
            List<TrainingExample> examples = TrainingData.load(data, model.tokenizer(), seqLen);
            FrozenModel base = new FrozenModel(model, pool);
            EnsembleTrainer trainer = new EnsembleTrainer(base, options, seqLen);
            if (resume) {
                TrainingCheckpoint.restore(checkpoint, trainer);
                System.err.printf(Locale.ROOT, "[train] resumed at epoch %d, batch %d%n", trainer.epoch() + 1,
                        trainer.nextBatch());
            }
            long tokens = examples.stream().mapToLong(TrainingExample::targets).sum();
            System.err.printf(Locale.ROOT, "[train] %d examples, %d scored tokens | %d members, rank %d, alpha %s, %d steps%n",
                    examples.size(), tokens, members, rank, alpha,
                    EnsembleTrainer.batchesPerEpoch(examples.size(), batch) * epochs);
            Progress progress = new Progress(trainer, examples.size());
            trainer.train(examples, progress::step);
            System.err.println();
            LoraEnsemble ensemble = trainer.ensemble(Map.of("data", data.getFileName().toString(),
                    "loss_per_token", String.format(Locale.ROOT, "%.5f", progress.lastLoss)));
            EnsembleFile.write(out, ensemble);
            System.out.println("ensemble: " + out);
            if (!noPeft) {
                writePeft(ensemble, base.source());
            }
        }
        return 0;
    }

    private void writePeft(LoraEnsemble ensemble, String baseModel) {
        String name = out.getFileName().toString();
        name = name.endsWith(EnsembleFile.SUFFIX) ? name.substring(0, name.length() - EnsembleFile.SUFFIX.length()) : name;
        Path dir = out.resolveSibling(name + "-peft");
        for (int k = 0; k < ensemble.size(); k++) {
            Path folder = dir.resolve("m" + k);
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new SpeculaException(folder + ": cannot create: " + e.getMessage());
            }
            PeftAdapter.write(folder, ensemble.member(k), baseModel);
            System.out.println("peft adapter: " + folder);
        }
    }

    /** The stderr progress bar, and checkpoints on their schedule. */
    private final class Progress {
        private static final int WIDTH = 24;
        private final EnsembleTrainer trainer;
        private final long batchesPerEpoch;
        private final long start = System.nanoTime();
        private long tokens;
        private double lastLoss = Double.NaN;

        Progress(EnsembleTrainer trainer, int examples) {
            this.trainer = trainer;
            this.batchesPerEpoch = EnsembleTrainer.batchesPerEpoch(examples, batch);
        }

        void step(StepReport r) {
            tokens += r.tokens();
            lastLoss = r.lossPerToken();
            int filled = (int) (WIDTH * r.step() / r.totalSteps());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "\r[train] epoch %d/%d [%s%s] step %d/%d | loss %.4f/token | routing H %.3f nats"
                            + " | grad %.2f | %.0f tok/s   ", r.epoch() + 1, epochs, "#".repeat(filled),
                    "-".repeat(WIDTH - filled), r.step(), r.totalSteps(), r.lossPerToken(), r.routingEntropy(),
                    r.gradientNorm(), tokens / seconds);
            boolean epochEnd = trainer.nextBatch() == batchesPerEpoch;
            if (checkpoint != null && (r.step() % checkpointEvery == 0 || epochEnd)) {
                TrainingCheckpoint.save(checkpoint, trainer);
            }
        }
    }
}
