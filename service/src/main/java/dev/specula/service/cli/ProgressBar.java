package dev.specula.service.cli;

import java.util.Locale;

/** A one-line progress bar on stderr, redrawn in place. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final String label;

    ProgressBar(String label) {
        this.label = label;
    }

    void update(String stage, long done, long total) {
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        System.err.printf(Locale.ROOT, "\r[%s] %-10s [%s%s] %d/%d", label, stage, "#".repeat(filled),
                " ".repeat(WIDTH - filled), done, total);
        System.err.flush();
    }

    void finish() {
        System.err.println();
    }
}
