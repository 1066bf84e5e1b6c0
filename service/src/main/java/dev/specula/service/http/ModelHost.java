package dev.specula.service.http;

import dev.specula.offload.FlashFeedForward;
import dev.specula.offload.FlashStats;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.model.Model;
import dev.specula.service.EnsembleChoice;
import io.micronaut.context.annotation.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Loads the model in the background when the server starts, so /health can answer "loading" (503)
 * meanwhile, and hands the loaded model to the generation worker. Its engine is closed by
 * {@link GenerationQueue} after the last generation.
 */
@Context
public class ModelHost {
    /** Where loading stands. */
    public enum State { LOADING, READY, FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);

    private volatile State state = State.LOADING;
    private volatile ServedModel model;
    private volatile String failure;

    public ModelHost(ServeSettings settings, GaugeRegistry gauges) {
        gauges.gauge("specula_ensemble_members", "LoRA ensemble members the model decodes with (1: the base model "
                + "alone, NaN until loaded).", () -> model == null ? Double.NaN : model.members());
        gauges.gauge(GaugeRegistry.FLASH_BYTES_READ, "Bytes of feed-forward neurons read from flash so far (0 unless "
                + "the model is a .specula file).", () -> flashStat(FlashStats::bytesRead, 0));
        gauges.gauge(GaugeRegistry.NEURON_CACHE_HIT_RATIO, "Share of the neurons used so far that were already in "
                + "memory (NaN unless the model is a .specula file).", () -> flashStat(FlashStats::hitRate, Double.NaN));
        Thread loader = new Thread(() -> load(settings), "specula-model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    private void load(ServeSettings settings) {
        try {
            long start = System.nanoTime();
            EnsembleChoice choice = settings.ensembleChoice();
            Engine engine = settings.engineSettings().openEngine(choice);
            Optional<Path> ensemble;
            try {
                ensemble = choice.attachTo(engine);
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
            Model m = engine.model();
            String id = ModelLocator.modelName(m.source());
            model = new ServedModel(id, engine, engine.generator(),
                    ChatTemplate.detect(m.metadata().get(ChatTemplate.METADATA_KEY)), System.currentTimeMillis() / 1000,
                    ensemble.map(p -> p.getFileName().toString()).orElse(null));
            state = State.READY;
            LOG.info("model {} ready in {} ms (context {}, chat template {}, ensemble {})", id,
                    (System.nanoTime() - start) / 1_000_000, engine.contextLength(), model.chatTemplate(),
                    ensemble.map(p -> p + " of " + model.members() + " members").orElse("none"));
        } catch (RuntimeException | Error e) { // an OutOfMemoryError or a missing native library too: never stay "loading"
            failure = e.getMessage();
            state = State.FAILED;
            LOG.error("loading the model failed: {}", e.getMessage());
        }
    }

    private double flashStat(java.util.function.ToDoubleFunction<FlashStats> stat, double otherwise) {
        ServedModel m = model;
        return m != null && m.engine().transformer().feedForward() instanceof FlashFeedForward flash
                ? stat.applyAsDouble(flash.stats()) : otherwise;
    }

    public State state() {
        return state;
    }

    /** The loaded model; 503 while it is loading or when loading failed. */
    public ServedModel model() {
        return switch (state) {
            case READY -> model;
            case LOADING -> throw ApiException.unavailable("the model is still loading");
            case FAILED -> throw ApiException.unavailable("the model failed to load: " + failure);
        };
    }

    /** Closes the engine once nothing runs on it any more. */
    void close() {
        if (model != null) {
            model.engine().close();
        }
    }
}
