package dev.specula.service.http;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness (503 until a model is loaded) and shutdown while a generation runs. */
class ServeLifecycleTest {

    @Test
    void aModelThatFailsToLoadLeavesTheServerUnavailable() throws Exception {
        try (TestServer server = new TestServer(Map.of("specula.serve.model", "/nonexistent/model.gguf"))) {
            server.awaitFailed();
            assertEquals(503, server.get("/health").statusCode());
            assertEquals("failed", TestServer.json(server.get("/health").body()).get("status"));
            ServeApiTest.assertError(server.post("/v1/completions", "{\"prompt\":\"x\"}"), 503, null);
            ServeApiTest.assertError(server.get("/v1/models"), 503, null);
        }
    }

    @Test
    void shutdownCancelsTheRunningGenerationAfterTheGracePeriod() throws Exception {
        TestServer server = new TestServer(Map.of("specula.serve.shutdown-grace", "100ms")).awaitReady();
        HttpRequest request = server.request("/v1/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\":\"Once upon a time\",\"max_tokens\":2000,\"temperature\":0,\"stream\":true}")).build();
        HttpResponse<InputStream> r = server.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            lines.add(reader.readLine());
            long start = System.nanoTime();
            server.close();
            long closeMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closeMillis < 10_000, "shutdown took " + closeMillis + " ms");
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        } catch (IOException closedByServer) {
            // the server may drop the connection once the generation is cancelled
        }
        String all = String.join("\n", lines);
        assertTrue(!all.contains("\"finish_reason\":\"length\""), "the generation did not run to its end");
    }
}
