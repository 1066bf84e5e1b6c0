package dev.specula.service.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI-compatible API end to end: a started server, the stories260K model, a real HTTP client. */
class ServeApiTest {
    private static final String GREEDY = "{\"prompt\":\"Once upon a time\",\"max_tokens\":%d,\"temperature\":0%s}";
    private static final int QUEUE = 2;

    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(Map.of("specula.serve.queue", QUEUE, "micronaut.server.max-request-size", "100KB"))
                .awaitReady();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void greedyCompletionContinuesTheStory() throws Exception {
        HttpResponse<String> r = server.post("/v1/completions", GREEDY.formatted(30, ""));
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> body = TestServer.json(r.body());
        assertEquals("text_completion", body.get("object"));
        assertEquals("stories260K", body.get("model"));
        Map<String, Object> choice = first(body.get("choices"));
        assertTrue(((String) choice.get("text")).startsWith(", there was a little girl named Lily"), r.body());
        assertEquals("length", choice.get("finish_reason"));
        Map<?, ?> usage = (Map<?, ?>) body.get("usage");
        assertEquals(30L, usage.get("completion_tokens"));
        assertEquals(((Long) usage.get("prompt_tokens")) + 30, usage.get("total_tokens"));
        Map<?, ?> u = (Map<?, ?>) body.get("uncertainty");
        assertEquals(1L, u.get("members"));
        assertEquals(30L, u.get("tokens"));
        double mean = (Double) ((Map<?, ?>) u.get("total_entropy")).get("mean");
        double max = (Double) ((Map<?, ?>) u.get("total_entropy")).get("max");
        assertTrue(mean > 0 && mean <= max, r.body());
        assertEquals(0.0, ((Map<?, ?>) u.get("mutual_information")).get("max"));
        assertNull(u.get("per_token"), "per-token values only when logprobs are asked for");
    }

    @Test
    void logprobsReportTokensAlternativesAndPerTokenUncertainty() throws Exception {
        HttpResponse<String> r = server.post("/v1/completions", GREEDY.formatted(5, ",\"logprobs\":3"));
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> body = TestServer.json(r.body());
        Map<?, ?> logprobs = (Map<?, ?>) first(body.get("choices")).get("logprobs");
        List<?> tokens = (List<?>) logprobs.get("tokens");
        assertEquals(5, tokens.size());
        assertEquals(",", tokens.getFirst());
        List<?> tops = (List<?>) logprobs.get("top_logprobs");
        Map<?, ?> top = (Map<?, ?>) tops.getFirst();
        assertEquals(3, top.size());
        double chosen = (Double) ((List<?>) logprobs.get("token_logprobs")).getFirst();
        assertEquals(chosen, (Double) top.get(","), 1e-9, "greedy picks the most likely alternative");
        List<?> perToken = (List<?>) ((Map<?, ?>) body.get("uncertainty")).get("per_token");
        assertEquals(5, perToken.size());
        assertEquals(chosen, (Double) ((Map<?, ?>) perToken.getFirst()).get("logprob"), 1e-12);
    }

    @Test
    void streamedCompletionArrivesTokenByTokenThenDone() throws Exception {
        List<String> events = stream("/v1/completions", GREEDY.formatted(30, ",\"stream\":true,\"logprobs\":1"));
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 2)) {
            Map<String, Object> chunk = TestServer.json(e);
            assertEquals("text_completion", chunk.get("object"));
            text.append(first(chunk.get("choices")).get("text"));
            List<?> perToken = (List<?>) ((Map<?, ?>) chunk.get("uncertainty")).get("per_token");
            assertEquals(1, perToken.size());
        }
        assertTrue(events.size() >= 30, "one chunk per token: " + events.size());
        assertTrue(text.toString().contains("Lily"), text.toString());
        Map<String, Object> last = TestServer.json(events.get(events.size() - 2));
        assertEquals("length", first(last.get("choices")).get("finish_reason"));
        assertEquals(1L, ((Map<?, ?>) last.get("uncertainty")).get("members"));
        assertEquals(30L, ((Map<?, ?>) last.get("usage")).get("completion_tokens"));
        String whole = TestServer.json(server.post("/v1/completions", GREEDY.formatted(30, "")).body())
                .get("choices").toString();
        assertTrue(whole.contains(text.toString()), "streamed and whole greedy text agree");
    }

    @Test
    void chatCompletionUsesTheTemplateAndStreams() throws Exception {
        String chat = "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"system\",\"content\":\"Tell stories.\"},"
                + "{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":12,\"temperature\":0%s}";
        HttpResponse<String> r = server.post("/v1/chat/completions", chat.formatted(""));
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> body = TestServer.json(r.body());
        assertEquals("chat.completion", body.get("object"));
        Map<?, ?> message = (Map<?, ?>) first(body.get("choices")).get("message");
        assertEquals("assistant", message.get("role"));
        String content = (String) message.get("content");
        assertFalse(content.contains("\nUser:"), "the plain template stops before the next user turn");

        List<String> events = stream("/v1/chat/completions",
                chat.formatted(",\"stream\":true,\"logprobs\":true,\"top_logprobs\":2"));
        Map<String, Object> role = TestServer.json(events.getFirst());
        assertEquals("chat.completion.chunk", role.get("object"));
        assertEquals("assistant", ((Map<?, ?>) first(role.get("choices")).get("delta")).get("role"));
        StringBuilder streamed = new StringBuilder();
        for (String e : events.subList(1, events.size() - 2)) {
            Map<String, Object> choice = first(TestServer.json(e).get("choices"));
            streamed.append(((Map<?, ?>) choice.get("delta")).get("content"));
            List<?> lp = (List<?>) ((Map<?, ?>) choice.get("logprobs")).get("content");
            assertEquals(2, ((List<?>) ((Map<?, ?>) lp.getFirst()).get("top_logprobs")).size());
        }
        assertEquals(content, streamed.toString());
        assertEquals("[DONE]", events.getLast());
    }

    @Test
    void modelsListsTheServedModel() throws Exception {
        HttpResponse<String> r = server.get("/v1/models");
        assertEquals(200, r.statusCode());
        Map<String, Object> model = first(TestServer.json(r.body()).get("data"));
        assertEquals("stories260K", model.get("id"));
        assertNull(model.get("ensemble"), "no ensemble configured: the base model alone");
        assertEquals(1, server.metric("specula_ensemble_members"));
        assertEquals("ready", TestServer.json(server.get("/health").body()).get("status"));
    }

    @Test
    void metricsCountTokensAndExposeGauges() throws Exception {
        double tokens = server.metric("specula_generated_tokens_total");
        double firstTokens = server.metric("specula_time_to_first_token_seconds_count");
        double requests = server.metric("specula_requests_total{endpoint=\"completions\"}");
        assertEquals(200, server.post("/v1/completions", GREEDY.formatted(7, "")).statusCode());
        assertEquals(tokens + 7, server.metric("specula_generated_tokens_total"));
        assertEquals(firstTokens + 1, server.metric("specula_time_to_first_token_seconds_count"));
        assertEquals(requests + 1, server.metric("specula_requests_total{endpoint=\"completions\"}"));
        assertEquals(QUEUE, server.metric("specula_queue_capacity"));
        assertEquals(0, server.metric("specula_queue_depth"));
        assertTrue(server.metric("specula_memory_rss_bytes") > 1 << 20);
        assertTrue(server.metric("specula_decode_tokens_per_second") > 0);
        HttpResponse<String> scrape = server.get("/metrics");
        assertTrue(scrape.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertTrue(scrape.body().contains("# TYPE specula_generated_tokens_total counter\n"));
        assertTrue(scrape.body().contains("\n" + GaugeRegistry.NEURON_CACHE_HIT_RATIO + " NaN\n"));
    }

    @Test
    void clientMistakesGetOpenAiErrors() throws Exception {
        assertError(server.post("/v1/completions", "{\"prompt\": "), 400, null);
        assertError(server.post("/v1/completions", "{\"prompt\":\"x\",\"n\":2}"), 400, "n");
        assertError(server.post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":\"many\"}"), 400, "max_tokens");
        assertError(server.post("/v1/completions", "{\"prompt\":\"x\",\"stop\":[1]}"), 400, "stop");
        assertError(server.post("/v1/chat/completions", "{\"messages\":[]}"), 400, "messages");
        assertError(server.post("/v1/completions", "{\"prompt\":\"x\",\"top_p\":5}"), 400, "top_p");
        assertError(server.post("/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":-2}"), 400, "temperature");
        assertError(server.post("/v1/completions", "{\"prompt\":\"x\",\"model\":\"gpt-4\"}"), 404, "model");
        assertError(server.post("/v1/completions", "{\"prompt\":\"" + "a".repeat(200_000) + "\"}"), 413, null);
        assertError(server.post("/v1/completions", "{\"prompt\":\"" + "hello world ".repeat(3000) + "\"}"),
                413, "prompt");
        assertError(server.get("/v1/nothing"), 404, null);
        assertError(server.client.send(server.request("/v1/completions").POST(HttpRequest.BodyPublishers.ofString(
                "prompt=x")).header("Content-Type", "text/plain").build(), HttpResponse.BodyHandlers.ofString()), 415, null);
    }

    @Test
    void theApiKeyIsRequired() throws Exception {
        HttpRequest.Builder noKey = HttpRequest.newBuilder(server.request("/v1/models").build().uri());
        assertError(server.client.send(noKey.GET().build(), HttpResponse.BodyHandlers.ofString()), 401, null);
        HttpRequest wrong = HttpRequest.newBuilder(server.request("/v1/models").build().uri())
                .header("Authorization", "Bearer wrong").GET().build();
        assertError(server.client.send(wrong, HttpResponse.BodyHandlers.ofString()), 401, null);
        HttpRequest health = HttpRequest.newBuilder(server.request("/health").build().uri()).GET().build();
        assertEquals(200, server.client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void disconnectingCancelsTheGeneration() throws Exception {
        double cancelledBefore = server.metric("specula_generations_total{finish_reason=\"cancelled\"}");
        double tokensBefore = server.metric("specula_generated_tokens_total");
        HttpRequest request = server.request("/v1/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GREEDY.formatted(2000, ",\"stream\":true"))).build();
        HttpResponse<InputStream> r = server.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (InputStream in = r.body()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            assertTrue(reader.readLine().startsWith("data: {"));
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (server.metric("specula_generations_total{finish_reason=\"cancelled\"}") == cancelledBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(cancelledBefore + 1, server.metric("specula_generations_total{finish_reason=\"cancelled\"}"));
        double generated = server.metric("specula_generated_tokens_total") - tokensBefore;
        assertTrue(generated < 2000, "stopped early after " + generated + " tokens");
    }

    @Test
    void aNonStreamedRequestWhoseClientGivesUpIsCancelled() throws Exception {
        double cancelledBefore = server.metric("specula_generations_total{finish_reason=\"cancelled\"}");
        HttpRequest request = server.request("/v1/completions").header("Content-Type", "application/json")
                .timeout(Duration.ofMillis(300))
                .POST(HttpRequest.BodyPublishers.ofString(GREEDY.formatted(2000, ""))).build();
        assertThrows(HttpTimeoutException.class, () -> server.client.send(request, HttpResponse.BodyHandlers.ofString()));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (server.metric("specula_generations_total{finish_reason=\"cancelled\"}") == cancelledBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(cancelledBefore + 1, server.metric("specula_generations_total{finish_reason=\"cancelled\"}"));
    }

    @Test
    void aBurstBeyondTheQueueGets429sAndTheRestComplete() throws Exception {
        int clients = 10;
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int i = 0; i < clients; i++) {
                answers.add(pool.submit(() -> server.post("/v1/completions", GREEDY.formatted(24, ""))));
            }
        }
        int ok = 0;
        int refused = 0;
        String text = null;
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 429) {
                refused++;
                assertError(r, 429, null);
                continue;
            }
            assertEquals(200, r.statusCode(), r.body());
            ok++;
            String t = (String) first(TestServer.json(r.body()).get("choices")).get("text");
            assertTrue(t.contains("Lily"), t);
            if (text != null) {
                assertEquals(text, t, "greedy answers agree");
            }
            text = t;
        }
        assertTrue(refused > 0, "the queue of " + QUEUE + " overflowed");
        assertTrue(ok >= QUEUE, "the running and the queued requests complete: " + ok);
        assertNotNull(text);
    }

    /** The data of each server-sent event, in order. */
    private static List<String> stream(String path, String json) throws Exception {
        HttpResponse<String> r = server.post(path, json);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> data = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        return data;
    }

    static void assertError(HttpResponse<String> r, int status, String param) {
        assertEquals(status, r.statusCode(), r.body());
        Map<?, ?> error = (Map<?, ?>) TestServer.json(r.body()).get("error");
        assertNotNull(error, r.body());
        assertFalse(((String) error.get("message")).isEmpty());
        assertNotNull(error.get("type"));
        assertTrue(error.containsKey("code"));
        assertEquals(param, error.get("param"), r.body());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> first(Object list) {
        return (Map<String, Object>) ((List<?>) list).getFirst();
    }
}
