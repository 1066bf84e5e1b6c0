package dev.specula.runtime;

/**
 * A request or option value out of its range, naming the parameter as the API knows it ({@code temperature},
 * {@code max_tokens}), so front ends can point at it (the HTTP API's error {@code param}).
 */
public final class InvalidParameterException extends SpeculaException {
    private final String parameter;

    public InvalidParameterException(String parameter, Object value, String rule) {
        super("invalid " + parameter + " " + value + ": " + rule);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
