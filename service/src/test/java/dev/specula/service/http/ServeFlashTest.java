package dev.specula.service.http;

import dev.specula.offload.FlashConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server streams a .specula model's feed-forward from flash under a memory budget, as the CLI does. */
class ServeFlashTest {
    private static final String GREEDY = "{\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0}";

    @TempDir
    Path dir;

    @Test
    void servesASpeculaFileUnderABudgetAndReportsFlashReads() throws Exception {
        Path flash = dir.resolve("s.specula");
        FlashConverter.convert(TestServer.model("stories260K.gguf"), flash, new FlashConverter.Options(false, false, 16,
                TestServer.model("stories260K.gguf").resolveSibling("../corpus/tinystories-valid-excerpt.txt")
                        .normalize(), 128, false), (stage, done, total) -> { });
        String dense;
        try (TestServer plain = new TestServer(Map.of()).awaitReady()) {
            dense = text(plain.post("/v1/completions", GREEDY));
        }
        // Every neuron (the default) but room for about a quarter of each layer: the rest streams from flash each token.
        try (TestServer server = new TestServer(Map.of("specula.serve.model", flash.toString(),
                "specula.serve.context", "64", "specula.serve.memory-budget", "1200KiB",
                "specula.serve.ensemble", "none")).awaitReady()) {
            assertTrue(server.metric(GaugeRegistry.NEURON_CACHE_HIT_RATIO) >= 0, "a ratio once the model is loaded");
            HttpResponse<String> r = server.post("/v1/completions", GREEDY);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(dense, text(r), "all neurons active: the dense model's greedy text");
            assertTrue(server.metric(GaugeRegistry.FLASH_BYTES_READ) > 0, "neurons were read from flash");
        }
        try (TestServer tooSmall = new TestServer(Map.of("specula.serve.model", flash.toString(),
                "specula.serve.memory-budget", "64KiB"))) {
            tooSmall.awaitFailed();
            HttpResponse<String> r = tooSmall.get("/v1/models");
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("memory budget 64 KiB is too small for s.specula"), r.body());
        }
    }

    @SuppressWarnings("unchecked")
    private static String text(HttpResponse<String> r) {
        List<Map<String, Object>> choices = (List<Map<String, Object>>) TestServer.json(r.body()).get("choices");
        return (String) choices.getFirst().get("text");
    }
}
