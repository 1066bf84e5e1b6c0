package dev.specula.runtime.generate;

import java.util.List;

/**
 * Holds back streamed text that might be the start of a stop string, so a client never sees
 * part of a stop string, and reports when one is complete.
 */
final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Adds text and returns what can be released now. After a stop string, {@link #stopped()} is true. */
    String push(String text) {
        pending.append(text);
        int cut = firstStop();
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int release = pending.length() - heldBack();
        String out = pending.substring(0, release);
        pending.delete(0, release);
        return out;
    }

    /** Releases whatever is held back (at the end of generation). */
    String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    private int firstStop() {
        int first = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        return first;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > best; len--) {
                if (pending.substring(pending.length() - len).equals(s.substring(0, len))) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
