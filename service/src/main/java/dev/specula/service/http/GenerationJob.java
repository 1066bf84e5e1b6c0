package dev.specula.service.http;

import dev.specula.runtime.generate.GenerationRequest;

/** One request waiting for, or running on, the engine; cancelled when its client goes away. */
final class GenerationJob {
    private final GenerationRequest request;
    private final JobListener listener;
    private final long enqueuedNanos = System.nanoTime();
    private volatile boolean cancelled;

    GenerationJob(GenerationRequest request, JobListener listener) {
        this.request = request;
        this.listener = listener;
    }

    GenerationRequest request() {
        return request;
    }

    JobListener listener() {
        return listener;
    }

    long enqueuedNanos() {
        return enqueuedNanos;
    }

    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }
}
