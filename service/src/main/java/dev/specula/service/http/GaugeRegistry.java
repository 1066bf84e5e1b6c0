package dev.specula.service.http;

import java.util.function.DoubleSupplier;

/**
 * Where parts of the system publish numbers for /metrics: each gauge reads its supplier at scrape time,
 * so the code that owns a number (a flash reader, a neuron cache) keeps it and only hands over a reader.
 * Registering a name again replaces its supplier.
 */
public interface GaugeRegistry {
    /** Bytes read from flash so far by offloaded weights; fed by {@link ModelHost} for .specula models. */
    String FLASH_BYTES_READ = "specula_flash_read_bytes";
    /** Fraction of neuron lookups served from the in-memory cache; fed by {@link ModelHost} for .specula models. */
    String NEURON_CACHE_HIT_RATIO = "specula_neuron_cache_hit_ratio";

    /**
     * @param name  Prometheus metric name ({@code [a-zA-Z_:][a-zA-Z0-9_:]*})
     * @param help  one line describing it
     * @param value read at each scrape; NaN when unknown
     */
    void gauge(String name, String help, DoubleSupplier value);
}
