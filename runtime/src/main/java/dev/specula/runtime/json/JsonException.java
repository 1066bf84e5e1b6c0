package dev.specula.runtime.json;

import dev.specula.runtime.SpeculaException;

/** Malformed JSON; the message carries the offset of the problem. */
public final class JsonException extends SpeculaException {
    public JsonException(String message) {
        super(message);
    }
}
