package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.offload.FlashConverter;
import dev.specula.offload.FlashModel;
import dev.specula.runtime.format.ModelLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Writes the flash layout of a GGUF model for offloaded inference. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a GGUF model into a .specula flash layout file: resident attention/embeddings, "
                + "feed-forward neurons as row-column bundles streamed from flash, a low-rank sparsity predictor "
                + "and per-layer checksums.")
public final class ConvertCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "Dense GGUF model (file or name).")
    String model;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Output .specula file.")
    Path out;

    @Option(names = "--page-align", description = "Pad every neuron bundle to a multiple of 4 KiB, so each neuron is whole pages.")
    boolean pageAlign;

    @Option(names = "--force", description = "Overwrite FILE if it exists.")
    boolean force;

    @Option(names = "--predictor-rank", paramLabel = "R", defaultValue = "-1",
            description = "Rank of the low-rank gate predictor; 0 stores none; default dim/4 within [4, 128].")
    int rank;

    @Option(names = "--calibration-text", paramLabel = "FILE",
            description = "Text whose first tokens calibrate the predictor thresholds (needed for --sparsity > 0).")
    Path calibrationText;

    @Option(names = "--calibration-tokens", paramLabel = "N", defaultValue = "512",
            description = "Tokens of the calibration text to use (default: ${DEFAULT-VALUE}, at most the context).")
    int calibrationTokens;

    @Option(names = "--exact-down",
            description = "Keep Q8_0/Q4_0 down columns exact (as F32, 3.8-7x their bytes on flash) instead of "
                    + "requantizing each neuron's column to the model's type.")
    boolean exactDown;

    @Override
    public Integer call() {
        Path source = ModelLocator.resolve(model);
        long start = System.nanoTime();
        ProgressBar bar = new ProgressBar(new PrintWriter(System.err, true), "convert");
        FlashConverter.convert(source, out, new FlashConverter.Options(pageAlign, force, rank, calibrationText,
                calibrationTokens, exactDown), bar::update);
        bar.finish();
        try (FlashModel fm = FlashModel.open(out, false, true)) {
            var layout = fm.layout();
            long bundles = layout.stride() * fm.config().hiddenDim() * fm.config().layers();
            System.out.printf(Locale.ROOT, "wrote %s in %.1f s: resident %s, bundles %s (%d bytes per neuron, %s/%s), "
                            + "predictor rank %d, calibrated sparsities %s%n",
                    out, (System.nanoTime() - start) / 1e9, ByteSize.format(fm.residentBytes()), ByteSize.format(bundles),
                    layout.stride(), layout.rowType(), layout.downType(), layout.rank(),
                    java.util.Arrays.toString(layout.sparsities()));
        }
        return 0;
    }
}
