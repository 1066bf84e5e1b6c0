package dev.specula.service.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** When an API key is configured, /v1 requests must send it as {@code Authorization: Bearer <key>}. */
@ServerFilter("/v1/**")
public class ApiKeyFilter {
    private final byte[] key;
    private final ErrorResponses errors;

    public ApiKeyFilter(ServeSettings settings, ErrorResponses errors) {
        String k = settings.getApiKey();
        this.key = k == null || k.isEmpty() ? null : ("Bearer " + k).getBytes(StandardCharsets.UTF_8);
        this.errors = errors;
    }

    /** @return null to let the request through, else the 401 response */
    @RequestFilter
    @Nullable
    public HttpResponse<?> check(HttpRequest<?> request) {
        if (key == null) {
            return null;
        }
        String sent = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        // Constant-time comparison: timing must not reveal how much of the key was right.
        if (sent != null && MessageDigest.isEqual(key, sent.getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        return errors.respond(ApiException.unauthorized());
    }
}
