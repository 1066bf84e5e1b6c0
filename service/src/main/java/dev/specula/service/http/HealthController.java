package dev.specula.service.http;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Liveness and readiness for load balancers, and the Prometheus scrape endpoint. */
@Controller
public class HealthController {
    /** Prometheus text exposition format. */
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private final ModelHost host;
    private final ServiceMetrics metrics;

    public HealthController(ModelHost host, ServiceMetrics metrics) {
        this.host = host;
        this.metrics = metrics;
    }

    /** 200 with status "ready" once the model is loaded; 503 with "loading" or "failed" before. */
    @Get(uri = "/health", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> health() {
        ModelHost.State state = host.state();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", state.name().toLowerCase(Locale.ROOT));
        if (state == ModelHost.State.READY) {
            body.put("model", host.model().id());
            return HttpResponse.ok(JsonWriter.write(body));
        }
        return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE).body(JsonWriter.write(body));
    }

    @Get(uri = "/metrics", produces = PROMETHEUS)
    public String metrics() {
        return metrics.prometheusText();
    }
}
