package dev.specula.gpu;

import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.generate.GenerationRequest;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.generate.Generator;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.sampling.SamplerConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Greedy generation with attention and the KV cache on the OpenCL device (PoCL here, selected explicitly:
 * {@code auto} would skip a CPU device) produces the same text as the CPU attention, on real models.
 * Both runs share one transformer, so only the attention backend differs.
 */
class GpuGenerationParityTest {

    private static final List<String> PROMPTS = List.of("Once upon a time", "The little dog", "Lily and Ben went to",
            "One day, a big bird");

    static Path model(String name) {
        Path p = Path.of(System.getProperty("specula.shared", "../shared"), "models", name);
        assertTrue(Files.exists(p), "shared model missing: " + p);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.bin", "TinyStories-656K-Q8_0.gguf"})
    void greedyTextOnTheDeviceEqualsTheCpu(String name) {
        OpenClDevice device = Pocl.device();
        try (GpuBackend backend = GpuBackend.open(String.valueOf(device.index())).orElseThrow();
             ComputePool pool = new ComputePool(2);
             Engine engine = Engine.dense(ModelLoader.load(model(name), null), pool, CpuAttention.factory(pool), 0,
                     WeightLayout.INTERLEAVED)) {
            assertEquals(device, backend.device());
            AtomicInteger deviceCaches = new AtomicInteger();
            AttentionFactory onDevice = (config, length) -> {
                var attention = backend.attentionFactory().create(config, length);
                assertInstanceOf(GpuKvCache.class, attention);
                deviceCaches.incrementAndGet();
                return attention;
            };
            Generator cpu = engine.generator();
            Generator gpu = new Generator(engine.transformer(), engine.tokenizer(), onDevice, engine.contextLength());
            for (String prompt : PROMPTS) {
                GenerationRequest request = new GenerationRequest(prompt, 48, SamplerConfig.GREEDY, List.of());
                GenerationResult expected = cpu.generate(request, (token, text) -> true);
                long before = backend.context().deviceBytes();
                GenerationResult actual = gpu.generate(request, (token, text) -> true);
                assertTrue(expected.generatedTokens() >= 10, "a real continuation: '" + expected.text() + "'");
                assertEquals(expected.text(), actual.text(), name + " / " + prompt);
                assertEquals(expected.generatedTokens(), actual.generatedTokens());
                assertEquals(before, backend.context().deviceBytes(), "the session's device KV cache is released");
            }
            assertEquals(PROMPTS.size(), deviceCaches.get());
            if (name.startsWith("stories260K")) {
                // the project's reference continuation, independent of both backends
                GenerationResult r = gpu.generate(new GenerationRequest("Once upon a time", 20, SamplerConfig.GREEDY,
                        List.of()), (token, text) -> true);
                assertTrue(r.text().startsWith(", there was a little girl named Lily."), r.text());
            }
        }
    }
}
