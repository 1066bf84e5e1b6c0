package dev.specula.service.cli;

import dev.specula.devices.ByteSize;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line byte progress bar redrawn in place on a terminal stream, at most once per percent. */
final class ProgressBar {
    private static final int WIDTH = 40;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private int shownPercent = -1;

    ProgressBar(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void update(long done) {
        int percent = (int) (100 * Math.min(done, total) / total);
        if (percent == shownPercent) {
            return;
        }
        shownPercent = percent;
        int filled = percent * WIDTH / 100;
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        out.printf(Locale.ROOT, "\r%s [%s%s] %3d%% %s / %s  %s/s", label, "#".repeat(filled), " ".repeat(WIDTH - filled),
                percent, ByteSize.format(done), ByteSize.format(total), ByteSize.format((long) (done / seconds)));
        if (percent == 100) {
            out.println();
        }
        out.flush();
    }
}
