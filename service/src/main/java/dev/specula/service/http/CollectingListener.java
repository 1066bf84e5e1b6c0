package dev.specula.service.http;

import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.tokenizer.Tokenizer;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Gathers a non-streamed response and completes it when generation ends. */
final class CollectingListener implements JobListener {
    private final OpenAiJson.Head head;
    private final Tokenizer tokenizer;
    private final List<TokenView> tokens;
    private final CompletableFuture<HttpResponse<String>> response = new CompletableFuture<>();

    CollectingListener(OpenAiJson.Head head, Tokenizer tokenizer, boolean logprobs) {
        this.head = head;
        this.tokenizer = tokenizer;
        this.tokens = logprobs ? new ArrayList<>() : null;
    }

    CompletableFuture<HttpResponse<String>> response() {
        return response;
    }

    @Override
    public void started(int promptTokens) {
    }

    @Override
    public boolean token(GeneratedToken token) {
        if (tokens != null && token.id() >= 0) {
            tokens.add(TokenView.of(token, tokenizer));
        }
        return true;
    }

    @Override
    public void finished(GenerationResult result) {
        response.complete(HttpResponse.ok(JsonWriter.write(OpenAiJson.response(head, result, tokens)))
                .contentType(MediaType.APPLICATION_JSON_TYPE));
    }

    @Override
    public void failed(RuntimeException error) {
        response.completeExceptionally(error);
    }
}
