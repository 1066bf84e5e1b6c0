package dev.specula.service.http;

import dev.specula.service.EngineSettings;
import dev.specula.service.EnsembleChoice;
import dev.specula.service.FlashSettings;
import dev.specula.service.WeightsChoice;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The server's own settings under {@code specula.serve} (application.yml, or environment variables such as
 * {@code SPECULA_SERVE_MODEL}, {@code SPECULA_SERVE_API_KEY}, {@code SPECULA_SERVE_QUEUE}); the command line
 * of {@code specula serve} overrides both. Host and port are Micronaut's {@code micronaut.server.*}.
 */
@ConfigurationProperties("specula.serve")
public class ServeSettings {
    private String model = "stories260K";
    @Nullable
    private Path tokenizer;
    @Nullable
    private Integer threads;
    private int context;
    private String gpu = "auto";
    private String kvCache = EngineSettings.DEFAULT_KV_CACHE;
    private String weights = WeightsChoice.DEFAULT;
    @Nullable
    private String ensemble;
    @Nullable
    private String apiKey;
    private int queue = 8;
    private Duration shutdownGrace = Duration.ofSeconds(10);
    @Nullable
    private String memoryBudget;
    private double sparsity;
    private String predictor = FlashSettings.defaults().predictor();
    private int window;

    public EngineSettings engineSettings() {
        return new EngineSettings(model, tokenizer, threads, context, gpu, EngineSettings.kvCacheType(kvCache),
                WeightsChoice.named(weights),
                new FlashSettings(memoryBudget, sparsity, predictor, window, null, false));
    }

    @Nullable
    public String getMemoryBudget() {
        return memoryBudget;
    }

    public void setMemoryBudget(@Nullable String memoryBudget) {
        this.memoryBudget = memoryBudget;
    }

    public double getSparsity() {
        return sparsity;
    }

    public void setSparsity(double sparsity) {
        this.sparsity = sparsity;
    }

    public String getPredictor() {
        return predictor;
    }

    public void setPredictor(String predictor) {
        this.predictor = predictor;
    }

    public int getWindow() {
        return window;
    }

    public void setWindow(int window) {
        this.window = window;
    }

    public EnsembleChoice ensembleChoice() {
        return new EnsembleChoice(ensemble);
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    @Nullable
    public Path getTokenizer() {
        return tokenizer;
    }

    public void setTokenizer(@Nullable Path tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Nullable
    public Integer getThreads() {
        return threads;
    }

    public void setThreads(@Nullable Integer threads) {
        this.threads = threads;
    }

    public int getContext() {
        return context;
    }

    public void setContext(int context) {
        this.context = context;
    }

    public String getGpu() {
        return gpu;
    }

    public void setGpu(String gpu) {
        this.gpu = gpu;
    }

    public String getKvCache() {
        return kvCache;
    }

    public void setKvCache(String kvCache) {
        this.kvCache = kvCache;
    }

    public String getWeights() {
        return weights;
    }

    public void setWeights(String weights) {
        this.weights = weights;
    }

    /** LoRA ensemble file or PEFT folder, "none" for the base model alone; null for the model's bundled ensemble. */
    @Nullable
    public String getEnsemble() {
        return ensemble;
    }

    public void setEnsemble(@Nullable String ensemble) {
        this.ensemble = ensemble;
    }

    /** Bearer token clients must send; null or empty leaves the API open. */
    @Nullable
    public String getApiKey() {
        return apiKey;
    }

    public void setApiKey(@Nullable String apiKey) {
        this.apiKey = apiKey;
    }

    /** Requests that may wait for the engine while it works on another; more are refused with 429. */
    public int getQueue() {
        return queue;
    }

    public void setQueue(int queue) {
        this.queue = queue;
    }

    /** How long shutdown lets the running generation finish before cancelling it. */
    public Duration getShutdownGrace() {
        return shutdownGrace;
    }

    public void setShutdownGrace(Duration shutdownGrace) {
        this.shutdownGrace = shutdownGrace;
    }
}
