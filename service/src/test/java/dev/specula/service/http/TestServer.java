package dev.specula.service.http;

import dev.specula.runtime.json.Json;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A server on a random loopback port with a real model, and a plain JDK HTTP client to talk to it. */
final class TestServer implements AutoCloseable {
    static final String KEY = "test-key";

    final EmbeddedServer server;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    TestServer(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("specula.serve.model", model("stories260K.gguf").toString());
        props.put("specula.serve.gpu", "off");
        props.put("specula.serve.api-key", KEY);
        props.putAll(overrides);
        server = ApplicationContext.run(EmbeddedServer.class, props);
    }

    static Path model(String name) {
        Path p = Path.of(System.getProperty("specula.shared", "../shared"), "models", name);
        assertTrue(Files.exists(p), "shared model missing: " + p);
        return p;
    }

    /** Waits until /health says ready (the model loads in the background). */
    TestServer awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (get("/health").statusCode() == 200) {
                return this;
            }
            Thread.sleep(50);
        }
        return fail("the model did not become ready");
    }

    /** Waits (up to 10 s) until /health says loading failed. */
    TestServer awaitFailed() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!"failed".equals(json(get("/health").body()).get("status")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return this;
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + KEY);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return client.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of an unlabelled or labelled sample in /metrics, 0 when absent. */
    double metric(String sample) throws Exception {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        return (Map<String, Object>) Json.parse(text);
    }

    @Override
    public void close() {
        server.getApplicationContext().close();
    }
}
