package dev.specula.runtime.format;

import dev.specula.runtime.SpeculaException;

import java.nio.file.Path;

/** A model or tokenizer file that cannot be read: truncated, corrupt, or of an unsupported kind. */
public final class ModelFormatException extends SpeculaException {
    public ModelFormatException(Path file, String message) {
        super(file + ": " + message);
    }

    public ModelFormatException(Path file, long offset, String message) {
        super(file + " at offset " + offset + ": " + message);
    }
}
