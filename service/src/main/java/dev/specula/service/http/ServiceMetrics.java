package dev.specula.service.http;

import dev.specula.devices.HostMemory;
import dev.specula.runtime.generate.GenerationResult;
import jakarta.inject.Singleton;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/** Counters of the HTTP service and the gauges registered with it, rendered in Prometheus text format. */
@Singleton
public final class ServiceMetrics implements GaugeRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private record Gauge(String help, DoubleSupplier value) {
    }

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<Integer, LongAdder> errors = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> finishes = new ConcurrentSkipListMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder cancelledBeforeStart = new LongAdder();
    private final DoubleAdder firstTokenSeconds = new DoubleAdder();
    private final LongAdder firstTokenCount = new LongAdder();
    private volatile double lastDecodeTokensPerSecond = Double.NaN;
    private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();

    public ServiceMetrics() {
        gauge("specula_memory_rss_bytes", "Resident set of this process.", () -> HostMemory.read().rssBytes());
        gauge("specula_memory_available_bytes", "Memory available on the host.",
                () -> HostMemory.read().availableBytes());
        gauge("specula_memory_total_bytes", "Physical memory of the host.", () -> HostMemory.read().totalBytes());
        gauge(FLASH_BYTES_READ, "Bytes read from flash by offloaded weights (0 without offload).", () -> 0);
        gauge(NEURON_CACHE_HIT_RATIO, "Neuron cache hit ratio (NaN without offload).", () -> Double.NaN);
        gauge("specula_decode_tokens_per_second", "Decode speed of the last generation.",
                () -> lastDecodeTokensPerSecond);
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a Prometheus metric name: " + name);
        }
        gauges.put(name, new Gauge(help, value));
    }

    void request(String endpoint) {
        requests.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
    }

    void error(int status) {
        errors.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    void firstToken(long nanos) {
        firstTokenSeconds.add(nanos / 1e9);
        firstTokenCount.increment();
    }

    void cancelledBeforeStart() {
        cancelledBeforeStart.increment();
    }

    void generation(GenerationResult r) {
        promptTokens.add(r.promptTokens());
        generatedTokens.add(r.generatedTokens());
        finishes.computeIfAbsent(r.finishReason().name().toLowerCase(Locale.ROOT), k -> new LongAdder()).increment();
        if (r.generatedTokens() > 1) {
            lastDecodeTokensPerSecond = r.decodeTokensPerSecond();
        }
    }

    /** The exposition text for a scrape. */
    public String prometheusText() {
        PrometheusText out = new PrometheusText();
        out.family("specula_requests_total", "counter", "API requests by endpoint.");
        requests.forEach((endpoint, n) -> out.sample("specula_requests_total", "endpoint", endpoint, n.sum()));
        out.family("specula_request_errors_total", "counter", "Error responses by HTTP status.");
        errors.forEach((status, n) -> out.sample("specula_request_errors_total", "status", status.toString(), n.sum()));
        out.family("specula_generations_total", "counter", "Finished generations by finish reason.");
        finishes.forEach((reason, n) -> out.sample("specula_generations_total", "finish_reason", reason, n.sum()));
        out.counter("specula_generations_cancelled_before_start_total",
                "Queued requests whose client left before they started.", cancelledBeforeStart.sum());
        out.counter("specula_prompt_tokens_total", "Prompt tokens processed.", promptTokens.sum());
        out.counter("specula_generated_tokens_total", "Tokens generated.", generatedTokens.sum());
        out.family("specula_time_to_first_token_seconds", "summary",
                "From queueing a request to its first generated token.");
        out.sample("specula_time_to_first_token_seconds_sum", null, null, firstTokenSeconds.sum());
        out.sample("specula_time_to_first_token_seconds_count", null, null, firstTokenCount.sum());
        new TreeMap<>(gauges).forEach((name, g) -> out.gauge(name, g.help(), g.value().getAsDouble()));
        return out.toString();
    }
}
