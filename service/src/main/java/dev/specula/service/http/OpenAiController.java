package dev.specula.service.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import reactor.core.publisher.Mono;

import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/** OpenAI-compatible endpoints: completions, chat completions (both optionally streamed) and models. */
@Controller("/v1")
public class OpenAiController {
    private final ModelHost host;
    private final GenerationQueue queue;
    private final ServiceMetrics metrics;

    public OpenAiController(ModelHost host, GenerationQueue queue, ServiceMetrics metrics) {
        this.host = host;
        this.queue = queue;
        this.metrics = metrics;
    }

    @Post(uri = "/completions", produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    public Mono<HttpResponse<?>> completions(HttpRequest<?> request, @Nullable @Body String body) {
        return complete(request, "completions", body, false);
    }

    @Post(uri = "/chat/completions", produces = {MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM})
    public Mono<HttpResponse<?>> chatCompletions(HttpRequest<?> request, @Nullable @Body String body) {
        return complete(request, "chat_completions", body, true);
    }

    @Get(uri = "/models", produces = MediaType.APPLICATION_JSON)
    public String models() {
        metrics.request("models");
        return JsonWriter.write(OpenAiJson.models(host.model()));
    }

    private Mono<HttpResponse<?>> complete(HttpRequest<?> request, String endpoint, String body, boolean chat) {
        metrics.request(endpoint);
        ServedModel model = host.model();
        RequestReader reader = RequestReader.parse(body);
        CompletionCall call = chat ? CompletionCall.chat(reader, model) : CompletionCall.text(reader, model);
        OpenAiJson.Head head = new OpenAiJson.Head((chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID(),
                System.currentTimeMillis() / 1000, model.id(), chat);
        var tokenizer = model.engine().tokenizer();
        if (call.stream()) {
            StreamingListener listener = new StreamingListener(head, tokenizer, call.logprobs());
            GenerationJob job = new GenerationJob(call.generation(), listener);
            queue.submit(job);
            HttpResponse<?> response = HttpResponse.ok(listener.events().doOnCancel(job::cancel))
                    .contentType(MediaType.TEXT_EVENT_STREAM_TYPE);
            return Mono.fromFuture(cancelling(listener.started(), job)).<HttpResponse<?>>thenReturn(response);
        }
        CollectingListener listener = new CollectingListener(head, tokenizer, call.logprobs());
        GenerationJob job = new GenerationJob(call.generation(), listener);
        queue.submit(job);
        DisconnectWatch.cancelOnDisconnect(request, job, listener.response());
        return Mono.fromFuture(cancelling(listener.response(), job)).map(r -> r);
    }

    /**
     * Cancels {@code job} when the HTTP layer cancels {@code future} because the client left; a Mono's
     * cancellation after its value was delivered does not reach a completed future, so it is harmless.
     */
    private static <T> CompletableFuture<T> cancelling(CompletableFuture<T> future, GenerationJob job) {
        future.whenComplete((value, error) -> {
            if (error instanceof CancellationException) {
                job.cancel();
            }
        });
        return future;
    }
}
