package dev.specula.service.http;

import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.tokenizer.Tokenizer;
import io.micronaut.http.sse.Event;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Turns a job's progress into server-sent events: one {@code data: {json}} chunk per token, a last chunk
 * with the finish reason, usage and uncertainty summary, then {@code data: [DONE]}. Events are buffered
 * until the HTTP layer subscribes; {@link #started()} completes once the prompt is known to fit, so
 * errors found before that still get a proper status code.
 */
final class StreamingListener implements JobListener {
    static final String DONE = "[DONE]";

    private final OpenAiJson.Head head;
    private final Tokenizer tokenizer;
    private final boolean logprobs;
    private final Sinks.Many<Event<String>> sink = Sinks.many().unicast().onBackpressureBuffer();
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    StreamingListener(OpenAiJson.Head head, Tokenizer tokenizer, boolean logprobs) {
        this.head = head;
        this.tokenizer = tokenizer;
        this.logprobs = logprobs;
    }

    CompletableFuture<Void> started() {
        return started;
    }

    Flux<Event<String>> events() {
        return sink.asFlux();
    }

    @Override
    public void started(int promptTokens) {
        if (head.chat()) {
            emit(OpenAiJson.roleChunk(head));
        }
        started.complete(null);
    }

    @Override
    public boolean token(GeneratedToken token) {
        TokenView view = logprobs ? TokenView.of(token, tokenizer) : null;
        if (token.text().isEmpty() && view == null) {
            return true;
        }
        return emit(OpenAiJson.chunk(head, token.text(), view, logprobs));
    }

    @Override
    public void finished(GenerationResult result) {
        emit(OpenAiJson.finalChunk(head, result));
        sink.tryEmitNext(Event.of(DONE));
        sink.tryEmitComplete();
    }

    @Override
    public void failed(RuntimeException error) {
        if (!started.completeExceptionally(error)) {
            // The 200 and earlier chunks are out: report the error in the stream, as OpenAI does.
            ApiException api = error instanceof ApiException a ? a : null;
            emit(OpenAiJson.error(error.getMessage(), api == null ? "server_error" : api.type(),
                    api == null ? null : api.param(), api == null ? null : api.code()));
            sink.tryEmitComplete();
        }
    }

    /** @return false once the subscriber has gone (the client disconnected) */
    private boolean emit(Map<String, Object> json) {
        return sink.tryEmitNext(Event.of(JsonWriter.write(json))).isSuccess();
    }
}
