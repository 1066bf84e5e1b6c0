package dev.specula.runtime;

/**
 * An error caused by the user's input (a file, a flag, a request), as opposed to a bug.
 * Its message is meant to be shown as is: it names the file, field, offset or parameter at fault.
 * Front ends print the message without a stack trace and exit with status 2.
 */
public class SpeculaException extends RuntimeException {
    public SpeculaException(String message) {
        super(message);
    }

    public SpeculaException(String message, Throwable cause) {
        super(message, cause);
    }
}
