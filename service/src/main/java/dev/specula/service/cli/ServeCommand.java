package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.service.EngineSettings;
import dev.specula.service.EnsembleChoice;
import dev.specula.service.WeightsChoice;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.server.exceptions.ServerStartupException;
import io.micronaut.runtime.server.EmbeddedServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Serves the model over an OpenAI-compatible HTTP API until interrupted. Options left out come from
 * application.yml or the environment ({@code SPECULA_SERVE_*}, {@code MICRONAUT_SERVER_*}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, "
                + "/v1/models, /health, /metrics).",
                "Unset options come from the environment (SPECULA_SERVE_MODEL, SPECULA_SERVE_ENSEMBLE, SPECULA_SERVE_API_KEY, "
                        + "SPECULA_SERVE_QUEUE, MICRONAUT_SERVER_HOST, MICRONAUT_SERVER_PORT, ...), then the defaults."})
public final class ServeCommand implements Callable<Integer> {

    private static final int MAX_PORT = 65_535;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Model file, folder or name in the models directory (default: stories260K).")
    String model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Tokenizer file for llama2.c checkpoints.")
    Path tokenizer;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = {"-c", "--context"}, paramLabel = "N", description = "Context length in tokens (default: the model's, at most 2048).")
    Integer context;

    @Option(names = "--gpu", paramLabel = "auto|off|N|NAME", description = "OpenCL device for attention (default: auto).")
    String gpu;

    @Option(names = "--kv-cache", paramLabel = "f16|f32",
            description = EngineSettings.KV_CACHE_HELP + " Default: " + EngineSettings.DEFAULT_KV_CACHE + ".")
    String kvCache;

    @Option(names = "--weights", paramLabel = "auto|mapped|interleaved",
            description = WeightsChoice.HELP + " Default: " + WeightsChoice.DEFAULT + ".")
    String weights;

    @Option(names = "--ensemble", paramLabel = "E|none", description = EnsembleChoice.DESCRIPTION)
    String ensemble;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (default: 127.0.0.1, loopback only).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default: 8080).")
    Integer port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1 requests (default: none).")
    String apiKey;

    @Option(names = "--queue", paramLabel = "N",
            description = "Requests that may wait while the engine is busy; more get 429 (default: 8).")
    Integer queue;

    @Option(names = "--memory-budget", paramLabel = "SIZE|PERCENT",
            description = "For .specula models: memory for weights, neuron caches, KV cache and buffers (e.g. 600MiB "
                    + "or 25%%); feed-forward neurons beyond it stream from flash.")
    String memoryBudget;

    @Option(names = "--sparsity", paramLabel = "S",
            description = "For .specula models: fraction of feed-forward neurons to skip, a setting calibrated at "
                    + "convert time (default: 0, every neuron).")
    Double sparsity;

    @Option(names = "--predictor", paramLabel = "low-rank|gate",
            description = "For .specula models with --sparsity > 0: which predictor picks the neurons (default: low-rank).")
    String predictor;

    @Option(names = "--window", paramLabel = "K",
            description = "For .specula models: neurons of the last K tokens stay cached; 0 keeps them while there is "
                    + "room (default: 0).")
    Integer window;

    @Override
    public Integer call() throws InterruptedException {
        if (model != null) {
            ModelLocator.resolve(model); // a wrong name is a usage error now, not a failed load later
        }
        new EnsembleChoice(ensemble).requireExists();
        checkSettings();
        EmbeddedServer server;
        try {
            server = ApplicationContext.run(EmbeddedServer.class, properties());
        } catch (RuntimeException e) {
            throw startupError(e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("specula: shutting down");
            server.getApplicationContext().close();
            stopped.countDown();
        }, "specula-shutdown"));
        System.err.printf("specula: serving on %s after %d ms (model loading; GET /health says when ready)%n",
                server.getURL(), ManagementFactory.getRuntimeMXBean().getUptime());
        stopped.await();
        return 0;
    }

    /**
     * Settings that cannot work fail here, in one line, before the server starts: the model loads in the background,
     * and a bad thread count or context length found there would leave a server answering 503 for good.
     */
    private void checkSettings() {
        EngineSettings.threadCount(threads);
        if (kvCache != null) {
            EngineSettings.kvCacheType(kvCache);
        }
        if (weights != null) {
            WeightsChoice.named(weights);
        }
        if (context != null && context < 0) {
            throw new SpeculaException("invalid --context " + context + ": must be >= 0 (0: the model's, at most "
                    + Engine.DEFAULT_MAX_CONTEXT + ")");
        }
        if (port != null && (port < 0 || port > MAX_PORT)) {
            throw new SpeculaException("invalid --port " + port + ": must be between 0 and " + MAX_PORT + " (0: any free port)");
        }
    }

    /** A bad setting or a busy port is the user's to fix: say so in one line instead of a stack trace. */
    private static RuntimeException startupError(RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SpeculaException s) {
                return s;
            }
            if (c instanceof BindException || c instanceof ServerStartupException) {
                return new SpeculaException("cannot start the server: " + c.getMessage());
            }
        }
        return e;
    }

    private Map<String, Object> properties() {
        Map<String, Object> p = new HashMap<>();
        put(p, "specula.serve.model", model);
        put(p, "specula.serve.tokenizer", tokenizer);
        put(p, "specula.serve.threads", threads);
        put(p, "specula.serve.context", context);
        put(p, "specula.serve.gpu", gpu);
        put(p, "specula.serve.kv-cache", kvCache);
        put(p, "specula.serve.weights", weights);
        put(p, "specula.serve.ensemble", ensemble);
        put(p, "specula.serve.api-key", apiKey);
        put(p, "specula.serve.queue", queue);
        put(p, "specula.serve.memory-budget", memoryBudget);
        put(p, "specula.serve.sparsity", sparsity);
        put(p, "specula.serve.predictor", predictor);
        put(p, "specula.serve.window", window);
        put(p, "micronaut.server.host", host);
        put(p, "micronaut.server.port", port);
        return p;
    }

    private static void put(Map<String, Object> p, String key, Object value) {
        if (value != null) {
            p.put(key, value.toString());
        }
    }
}
