package dev.specula.service.http;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.RandomEnsemble;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code serve --ensemble}: responses sample the members' mixture and report their disagreement. */
class ServeEnsembleTest {
    private static final int MEMBERS = 3;
    private static final String FILE = "r3" + EnsembleFile.SUFFIX;

    @TempDir
    static Path dir;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path model = TestServer.model("stories260K.gguf");
        Path ensemble = dir.resolve(FILE);
        try (Model m = ModelLoader.load(model, null)) {
            EnsembleFile.write(ensemble, RandomEnsemble.create(m, MEMBERS, 4, 4,
                    EnumSet.of(LoraTarget.Q, LoraTarget.V, LoraTarget.DOWN), 5, 0.3));
        }
        server = new TestServer(Map.of("specula.serve.ensemble", ensemble.toString())).awaitReady();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void completionReportsTheMembersDisagreementPerResponseAndPerToken() throws Exception {
        HttpResponse<String> r = server.post("/v1/completions",
                "{\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0,\"logprobs\":2}");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> body = TestServer.json(r.body());
        Map<?, ?> u = (Map<?, ?>) body.get("uncertainty");
        assertEquals((long) MEMBERS, u.get("members"), r.body());
        assertEquals(MEMBERS, ((List<?>) u.get("responsibilities")).size());
        Map<?, ?> mi = (Map<?, ?>) u.get("mutual_information");
        double mean = (Double) mi.get("mean");
        assertTrue(mean >= 0 && mean <= (Double) mi.get("max"), r.body());

        List<?> logprobs = (List<?>) ((Map<?, ?>) ((Map<?, ?>) ((List<?>) body.get("choices")).getFirst())
                .get("logprobs")).get("token_logprobs");
        List<?> perToken = (List<?>) u.get("per_token");
        assertEquals(12, perToken.size());
        double sum = 0;
        for (int i = 0; i < perToken.size(); i++) {
            Map<?, ?> t = (Map<?, ?>) perToken.get(i);
            assertEquals((Double) logprobs.get(i), (Double) t.get("logprob"), 1e-12);
            assertEquals(MEMBERS, ((List<?>) t.get("member_probabilities")).size(), t.toString());
            double tokenMi = ((Number) t.get("mutual_information")).doubleValue();
            assertTrue(tokenMi >= -1e-6, t.toString());
            double total = ((Number) t.get("total_entropy")).doubleValue();
            double expected = ((Number) t.get("expected_entropy")).doubleValue();
            assertEquals(total - expected, tokenMi, 1e-4, "mutual information is H[p] - E[H[p_k]]: " + t);
            sum += tokenMi;
        }
        assertTrue(sum > 0, "random members must disagree somewhere: " + r.body());
        assertEquals(sum / perToken.size(), mean, 1e-6, "the summary's mean is the per-token mean");
    }

    @Test
    void modelsAndMetricsNameTheEnsemble() throws Exception {
        HttpResponse<String> r = server.get("/v1/models");
        assertEquals(200, r.statusCode());
        Map<?, ?> model = (Map<?, ?>) ((List<?>) TestServer.json(r.body()).get("data")).getFirst();
        Map<?, ?> ensemble = (Map<?, ?>) model.get("ensemble");
        assertEquals(FILE, ensemble.get("name"), r.body());
        assertEquals((long) MEMBERS, ensemble.get("members"));
        assertEquals(4L, ensemble.get("rank"));
        assertEquals("q,v,down", ensemble.get("targets"));
        assertEquals(MEMBERS, server.metric("specula_ensemble_members"));
    }

    @Test
    void anEnsembleForAnotherModelFailsTheLoadAndSaysWhy() throws Exception {
        try (TestServer other = new TestServer(Map.of("specula.serve.model", "tinystories-656k",
                "specula.serve.ensemble", dir.resolve(FILE).toString()))) {
            other.awaitFailed();
            HttpResponse<String> r = other.get("/v1/models");
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains(FILE) && r.body().contains("base_dim is 64 but the base model has 128"), r.body());
        }
    }
}
