package dev.specula.service.http;

import io.micronaut.http.HttpStatus;

/**
 * A request the server refuses, carrying what OpenAI's error object needs: the HTTP status, the error
 * type, the parameter at fault (or null) and a machine-readable code (or null).
 */
public final class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(HttpStatus status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    public static ApiException badRequest(String param, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, null, message);
    }

    public static ApiException unauthorized() {
        return new ApiException(HttpStatus.UNAUTHORIZED, "invalid_request_error", null, "invalid_api_key",
                "missing or wrong API key: send it as 'Authorization: Bearer <key>'");
    }

    public static ApiException unknownModel(String model, String served) {
        return new ApiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model", "model_not_found",
                "the model '" + model + "' does not exist; this server serves '" + served + "'");
    }

    public static ApiException tooLarge(String param, String code, String message) {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", param, code, message);
    }

    public static ApiException queueFull(int capacity) {
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", null, "queue_full",
                "the generation queue is full (" + capacity + " waiting); retry later");
    }

    public static ApiException unavailable(String message) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "unavailable", message);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
