package dev.specula.service.http;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Readiness: until a model is loaded, /health and the API answer 503. */
class ServeLifecycleTest {

    @Test
    void aModelThatFailsToLoadLeavesTheServerUnavailable() throws Exception {
        try (TestServer server = new TestServer(Map.of("specula.serve.model", "/nonexistent/model.gguf"))) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"failed".equals(TestServer.json(server.get("/health").body()).get("status"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(503, server.get("/health").statusCode());
            assertEquals("failed", TestServer.json(server.get("/health").body()).get("status"));
            ServeApiTest.assertError(server.post("/v1/completions", "{\"prompt\":\"x\"}"), 503, null);
            ServeApiTest.assertError(server.get("/v1/models"), 503, null);
        }
    }
}
