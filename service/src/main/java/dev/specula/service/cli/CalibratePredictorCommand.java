package dev.specula.service.cli;

import dev.specula.offload.FlashFeedForward;
import dev.specula.offload.FlashModel;
import dev.specula.offload.PredictorEvaluation;
import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.eval.Perplexity;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.format.ModelLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Reports how well each calibrated predictor setting of a .specula file picks the neurons that matter. */
@Command(name = "calibrate-predictor", mixinStandardHelpOptions = true,
        description = "For every predictor and calibrated sparsity of a .specula file: recall and precision against "
                + "the oracle (true |silu(gate)*up|) and the perplexity cost on a text.")
public final class CalibratePredictorCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "A .specula file.")
    String model;

    @Option(names = "--text", required = true, paramLabel = "FILE", description = "UTF-8 text to evaluate on.")
    Path text;

    @Option(names = "--tokens", defaultValue = "512", paramLabel = "N",
            description = "Tokens of the text for recall/precision (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--context", defaultValue = "256", paramLabel = "N",
            description = "Perplexity window (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--max-chunks", defaultValue = "4", paramLabel = "N",
            description = "Perplexity windows per setting; 0 scores the whole text (default: ${DEFAULT-VALUE}).")
    int maxChunks;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        Path file = ModelLocator.resolve(model);
        if (!FlashModel.isFlashFile(file)) {
            throw new SpeculaException(file + ": not a .specula flash layout file (make one with `specula convert`)");
        }
        String content = PerplexityCommand.readText(text);
        try (FlashModel fm = FlashModel.open(file, true, true);
             ComputePool pool = new ComputePool(threads == null ? ComputePool.defaultThreads() : threads)) {
            if (fm.layout().sparsities().length == 0) {
                throw new SpeculaException(file + ": no predictor thresholds; convert with --calibration-text");
            }
            int ctx = Math.min(context, fm.config().contextLength());
            double base = perplexity(fm, pool, content, ctx, FlashFeedForward.Options.allActive());
            System.out.printf(Locale.ROOT, "all neurons: perplexity %.4f%n", base);
            System.out.println("predictor  sparsity  achieved  recall  precision  perplexity  cost");
            for (PredictorEvaluation.Row r : PredictorEvaluation.evaluate(fm, pool, content, tokens)) {
                var options = new FlashFeedForward.Options(r.predictor(), r.sparsity(), FlashFeedForward.Options.DEFAULT_WINDOW,
                        0, FlashFeedForward.Options.DEFAULT_CHUNK, FlashFeedForward.Options.DEFAULT_IO_THREADS, 0, null, false);
                double ppl = perplexity(fm, pool, content, ctx, options);
                System.out.printf(Locale.ROOT, "%-9s  %8.2f  %8.3f  %6.3f  %9.3f  %10.4f  %+5.1f%%%n",
                        r.predictor().cliName(), r.sparsity(), r.achievedSparsity(), r.recall(), r.precision(), ppl,
                        100 * (ppl / base - 1));
            }
        }
        return 0;
    }

    private double perplexity(FlashModel fm, ComputePool pool, String content, int ctx, FlashFeedForward.Options o) {
        try (FlashFeedForward ff = new FlashFeedForward(fm, pool, o)) {
            Transformer tr = new Transformer(fm.model(), pool, ff, 32);
            return Perplexity.compute(tr, fm.model().tokenizer(), CpuAttention.factory(pool), content, ctx, maxChunks,
                    done -> { }).perplexity();
        }
    }
}
