package dev.specula.service.http;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.generate.TokenListener;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded queue in front of the single engine worker: the engine runs one generation at a time, and
 * requests beyond the queue's capacity are refused (429) instead of piling up. Created at startup, so its
 * gauges are on /metrics before the first request.
 */
@Context
public class GenerationQueue {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationQueue.class);

    private final ModelHost host;
    private final ServiceMetrics metrics;
    private final BlockingQueue<GenerationJob> waiting;
    private final int capacity;
    private final long graceMillis;
    private final Thread worker;
    private volatile boolean closing;
    private volatile GenerationJob running;

    public GenerationQueue(ModelHost host, ServiceMetrics metrics, ServeSettings settings) {
        if (settings.getQueue() < 1) {
            throw new SpeculaException("invalid queue size " + settings.getQueue() + ": must be >= 1");
        }
        this.host = host;
        this.metrics = metrics;
        this.capacity = settings.getQueue();
        this.waiting = new ArrayBlockingQueue<>(capacity);
        this.graceMillis = settings.getShutdownGrace().toMillis();
        if (graceMillis < 0) {
            throw new SpeculaException("invalid shutdown grace " + settings.getShutdownGrace() + ": must not be negative");
        }
        metrics.gauge("specula_queue_depth", "Requests waiting for the engine.", waiting::size);
        metrics.gauge("specula_queue_capacity", "Requests that may wait for the engine.", () -> capacity);
        metrics.gauge("specula_generations_running", "Generations running now (0 or 1).",
                () -> running == null ? 0 : 1);
        worker = new Thread(this::work, "specula-engine-worker");
        worker.start();
    }

    /** Queues {@code job}; 429 when the queue is full, 503 while shutting down. */
    void submit(GenerationJob job) {
        if (closing) {
            throw ApiException.unavailable("the server is shutting down");
        }
        if (!waiting.offer(job)) {
            throw ApiException.queueFull(capacity);
        }
    }

    private void work() {
        while (!closing) {
            GenerationJob job;
            try {
                job = waiting.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job != null) {
                running = job;
                try {
                    run(job);
                } finally {
                    running = null;
                }
            }
        }
    }

    private void run(GenerationJob job) {
        JobListener listener = job.listener();
        if (job.cancelled()) {
            metrics.cancelledBeforeStart();
            listener.failed(ApiException.unavailable("cancelled before it started"));
            return;
        }
        try {
            ServedModel model = host.model();
            int promptTokens = model.generator().promptTokens(job.request().prompt()).length;
            if (promptTokens >= model.contextLength()) {
                throw ApiException.tooLarge("prompt", "context_length_exceeded", "the prompt has " + promptTokens
                        + " tokens but the context holds " + model.contextLength()
                        + " (at least one position must be left for the answer)");
            }
            listener.started(promptTokens);
            GenerationResult result = model.generator().generate(job.request(), new Forwarder(job));
            metrics.generation(result);
            listener.finished(result);
        } catch (ApiException e) {
            listener.failed(e);
        } catch (SpeculaException e) {
            listener.failed(ApiException.badRequest(null, e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("generation failed", e);
            listener.failed(e);
        }
    }

    /** Passes tokens on, records the time to the first one, and stops when the job is cancelled. */
    private final class Forwarder implements TokenListener {
        private final GenerationJob job;
        private boolean first = true;

        Forwarder(GenerationJob job) {
            this.job = job;
        }

        @Override
        public boolean onToken(int token, String text) {
            return !job.cancelled();
        }

        @Override
        public boolean onToken(GeneratedToken token) {
            if (first) {
                first = false;
                metrics.firstToken(System.nanoTime() - job.enqueuedNanos());
            }
            return job.listener().token(token) && !job.cancelled();
        }
    }

    /**
     * Refuses new work, fails the waiting jobs with 503, lets the running generation finish within the
     * grace period (then cancels it), and closes the engine.
     */
    @PreDestroy
    void close() {
        closing = true;
        failWaiting();
        try {
            if (graceMillis > 0) {
                worker.join(graceMillis);
            }
            GenerationJob late = running;
            if (late != null) {
                LOG.warn("cancelling the running generation at shutdown");
                late.cancel();
            }
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failWaiting(); // a submit racing with shutdown may have slipped in
        host.close();
    }

    private void failWaiting() {
        List<GenerationJob> dropped = new ArrayList<>();
        waiting.drainTo(dropped);
        dropped.forEach(j -> j.listener().failed(ApiException.unavailable("the server is shutting down")));
    }
}
