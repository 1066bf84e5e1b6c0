package dev.specula.service.cli;

import dev.specula.devices.CalibrationListener;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place on stderr ({@code \r}); it only redraws when the percentage
 * or the stage changes, and ends the line when progress reaches 100%.
 */
final class ProgressBar implements CalibrationListener {
    static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private int lastPercent = -1;
    private String lastStage = "";
    private int lastLength;
    private boolean finished;

    ProgressBar(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void progress(String stage, double fraction) {
        int percent = (int) Math.floor(Math.clamp(fraction, 0.0, 1.0) * 100);
        if (finished || (percent == lastPercent && stage.equals(lastStage))) {
            return;
        }
        lastPercent = percent;
        lastStage = stage;
        int filled = percent * WIDTH / 100;
        String line = String.format(Locale.ROOT, "[%s] [%s%s] %3d%% %s", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), percent, stage);
        // pad over the tail of a longer previous line
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        lastLength = line.length();
        if (percent == 100) {
            err.println();
            finished = true;
        }
        err.flush();
    }

    /** Progress counted in units (bytes, tensors) of a stage. */
    void update(String stage, long done, long total) {
        progress(stage, total == 0 ? 1.0 : (double) done / total);
    }

    /** Ends the line even when the last update fell short of 100%. */
    void finish() {
        if (!finished) {
            err.println();
            err.flush();
            finished = true;
        }
    }
}
