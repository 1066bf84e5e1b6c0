package dev.specula.service.cli;

import dev.specula.runtime.json.Json;

import java.util.Locale;

/** The two JSON value encodings the hand-written reports need: strings and finite-or-null numbers. */
final class JsonText {
    private JsonText() {
    }

    /** JSON has no NaN or infinity: a missing measurement is null. */
    static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    static String string(String s) {
        return Json.quote(s);
    }
}
