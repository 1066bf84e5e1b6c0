package dev.specula.service.http;

import dev.specula.runtime.InvalidParameterException;
import dev.specula.runtime.SpeculaException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import org.slf4j.Logger;
import java.util.concurrent.CompletionException;
import org.slf4j.LoggerFactory;

/**
 * Every error leaves the server in OpenAI's shape {@code {"error": {"message", "type", "param", "code"}}}:
 * refusals carry their own status, the framework's own client errors keep theirs, and only genuine
 * server faults become 500.
 */
@Controller
public class ErrorResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

    private final ServiceMetrics metrics;

    public ErrorResponses(ServiceMetrics metrics) {
        this.metrics = metrics;
    }

    @Error(global = true)
    public HttpResponse<String> exception(HttpRequest<?> request, Throwable error) {
        return respond(classify(request, error));
    }

    @Error(global = true, status = HttpStatus.NOT_FOUND)
    public HttpResponse<String> notFound(HttpRequest<?> request) {
        return respond(new ApiException(HttpStatus.NOT_FOUND, "invalid_request_error", null, "not_found",
                "no such endpoint: " + request.getMethodName() + " " + request.getPath()));
    }

    @Error(global = true, status = HttpStatus.METHOD_NOT_ALLOWED)
    public HttpResponse<String> methodNotAllowed(HttpRequest<?> request) {
        return respond(new ApiException(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", null,
                "method_not_allowed", request.getMethodName() + " is not allowed on " + request.getPath()));
    }

    @Error(global = true, status = HttpStatus.UNSUPPORTED_MEDIA_TYPE)
    public HttpResponse<String> unsupportedMediaType(HttpRequest<?> request) {
        return respond(new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", null,
                "unsupported_media_type", "send the body as JSON with 'Content-Type: application/json'"));
    }

    /** The JSON error response for {@code e}, counted in the metrics. */
    HttpResponse<String> respond(ApiException e) {
        metrics.error(e.status().getCode());
        return HttpResponse.<String>status(e.status())
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(JsonWriter.write(OpenAiJson.error(e.getMessage(), e.type(), e.param(), e.code())));
    }

    private static ApiException classify(HttpRequest<?> request, Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return switch (e) {
            case ApiException api -> api;
            case InvalidParameterException p -> ApiException.badRequest(p.parameter(), p.getMessage());
            case SpeculaException s -> ApiException.badRequest(null, s.getMessage());
            case ContentLengthExceededException c -> ApiException.tooLarge(null, "request_too_large", c.getMessage());
            case UnsatisfiedRouteException u -> ApiException.badRequest(u.getArgument().getName(), u.getMessage());
            case ConversionErrorException c -> ApiException.badRequest(c.getArgument().getName(), c.getMessage());
            case HttpStatusException h when h.getStatus().getCode() < 500 -> new ApiException(h.getStatus(),
                    "invalid_request_error", null, null, h.getMessage());
            default -> {
                LOG.error("unexpected error on {} {}", request.getMethodName(), request.getPath(), e);
                yield new ApiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null, null,
                        "internal error: " + e);
            }
        };
    }
}
