package dev.specula.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.RandomEnsemble;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {

    @Test
    void jsonRowHasConsistentFigures(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        SynthShape shape = new SynthShape("tiny", 64, 2, 4, 2, 96, 320, 64);
        new SynthModelWriter(shape, SynthQuant.Q8_0, 3).write(file, false, n -> { });

        String out = runCapturingStdout("bench", "--model", file.toString(), "--threads", "2", "--prompt-tokens", "8",
                "--gen-tokens", "4", "--bandwidth-mib", "16", "--json");

        Map<String, Object> doc = Json.parseObject(out);
        @SuppressWarnings("unchecked")
        Map<String, Object> row = ((List<Map<String, Object>>) doc.get("results")).getFirst();
        assertEquals("cpu", row.get("backend"));
        assertEquals("interleaved_wide", doc.get("weights"), "one sequence's layout, no ensemble decoding");
        assertEquals(8L, ((Number) row.get("prompt_tokens")).longValue());
        // Per decoded token: every matrix (Q8_0: 34 bytes per 32 values), one embedding row, the F32 norms.
        long matrices = 2L * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 96) + 320L * 64;
        long expectedBytes = matrices / 32 * 34 + 64 / 32 * 34 + (2 * 2 + 1) * 64 * 4;
        assertEquals(expectedBytes, ((Number) row.get("weight_bytes_per_token")).longValue());
        double decode = num(row, "decode_tokens_per_second");
        double memory = num(row, "memory_gb_per_second");
        assertTrue(decode > 0 && memory > 0 && num(row, "peak_gflops") > 0, row.toString());
        assertEquals(100 * decode * expectedBytes / 1e9 / memory, num(row, "roofline_percent"),
                1e-3 * num(row, "roofline_percent"));
        assertEquals(num(row, "prompt_tokens_per_second") * 2.0 * matrices / 1e9, num(row, "prompt_gflops"),
                1e-3 * num(row, "prompt_gflops"));
        // Decode against reading its matrices: the same bytes less the embedding row and the norms, in turns.
        @SuppressWarnings("unchecked")
        Map<String, Object> stream = (Map<String, Object>) doc.get("weight_stream");
        assertEquals(4.0, num(stream, "tokens"));
        assertEquals(matrices / 32 * 34, num(stream, "stream_bytes"), 0);
        assertEquals(100 * num(stream, "read_ms_median") / num(stream, "token_ms_median"),
                num(stream, "percent_of_stream"), 1e-3 * num(stream, "percent_of_stream"));
        assertEquals(matrices / 32 * 34 / num(stream, "read_ms_median") / 1e6, num(stream, "stream_gb_per_second"),
                1e-3 * num(stream, "stream_gb_per_second"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonHasTheResidentMemoryEvidence(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        SynthShape shape = new SynthShape("tiny", 64, 2, 4, 2, 96, 320, 64);
        SynthModelWriter writer = new SynthModelWriter(shape, SynthQuant.Q8_0, 3);
        writer.write(file, false, n -> { });

        String out = runCapturingStdout("bench", "--model", file.toString(), "--threads", "2", "--prompt-tokens", "8",
                "--gen-tokens", "4", "--bandwidth-mib", "16", "--json");

        Map<String, Object> memory = (Map<String, Object>) Json.parseObject(out).get("memory");
        assertEquals(Boolean.TRUE, memory.get("known"), "this runs on Linux: " + out);
        assertEquals(writer.weightBytes(), num(memory, "weight_bytes"), 0);
        // K and V, 2 layers, the bench's context of 36 (its warm-up's), kv dim 64 / 4 heads * 2 kv heads, half floats
        assertEquals(2 * 2 * 36 * 32 * 2, num(memory, "kv_cache_bytes"), 0);
        Map<String, Object> baseline = (Map<String, Object>) memory.get("baseline");
        Map<String, Object> loaded = (Map<String, Object>) memory.get("after_load");
        Map<String, Object> ran = (Map<String, Object>) memory.get("after_run");
        for (Map<String, Object> phase : List.of(baseline, loaded, ran)) {
            assertTrue(num(phase, "rss_file_bytes") > 0 && num(phase, "rss_anon_bytes") > 0, phase.toString());
            assertTrue(num(phase, "heap_used_bytes") > 0, phase.toString());
            assertTrue(num(phase, "heap_committed_bytes") >= num(phase, "heap_used_bytes"), phase.toString());
        }
        double growth = Math.max(num(loaded, "rss_anon_bytes"), num(ran, "rss_anon_bytes"))
                - num(baseline, "rss_anon_bytes");
        // less what was copied into the faster layout (Q8_0's, with 512- or 128-bit vectors), which is the weights
        assertEquals(growth - num(memory, "copied_weight_bytes"), num(memory, "heap_and_buffers_bytes"), 0);
        assertEquals(num(ran, "rss_file_bytes") - num(baseline, "rss_file_bytes"),
                num(memory, "file_growth_after_run_bytes"), 0);
        assertEquals(64e6, num(memory, "heap_and_buffers_bound_bytes"), 0);
        assertEquals(num(memory, "heap_and_buffers_bytes") <= 64e6, memory.get("within_bound"));
    }

    @Test
    void promptLongerThanContextIsAUserError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        new SynthModelWriter(new SynthShape("tiny", 64, 1, 4, 4, 64, 300, 16), SynthQuant.F32, 3)
                .write(file, false, n -> { });
        StringWriter err = new StringWriter();
        CommandLine cl = SpeculaCommand.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(SpeculaCommand.USER_ERROR, cl.execute("bench", "--model", file.toString(), "--prompt-tokens", "20"));
        assertTrue(err.toString().contains("exceeds the model's context of 16"), err.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void gpuAddsAnOpenClRowBesideTheCpuRow() {
        String out = runCapturingStdout("bench", "--model", "stories260K", "--threads", "2", "--prompt-tokens", "16",
                "--gen-tokens", "8", "--bandwidth-mib", "8", "--gpu", "0", "--json");
        Map<String, Object> doc = Json.parseObject(out);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("results");
        assertEquals(List.of("cpu", "opencl"), rows.stream().map(r -> r.get("backend")).toList());
        for (Map<String, Object> row : rows) {
            assertTrue(num(row, "prompt_tokens_per_second") > 0 && num(row, "decode_tokens_per_second") > 0, out);
            assertEquals(8, ((List<?>) row.get("decoded_tokens")).size(), out);
        }
        Map<String, Object> cpu = rows.get(0);
        Map<String, Object> opencl = rows.get(1);
        assertEquals(cpu.get("decoded_tokens"), opencl.get("decoded_tokens"), "greedy tokens agree across backends");
        assertEquals(Boolean.TRUE, opencl.get("same_tokens_as_baseline"));
        assertEquals(num(opencl, "decode_tokens_per_second") / num(cpu, "decode_tokens_per_second"),
                num(opencl, "decode_vs_baseline"), 1e-3 * num(opencl, "decode_vs_baseline"));
        assertTrue(((String) doc.get("opencl_device")).contains("OpenCL"), out);
    }

    @Test
    @SuppressWarnings("unchecked")
    void ensembleAddsSingleBatchedAndNaiveFigures(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("e.ensemble.safetensors");
        try (Model base = ModelLoader.load(ModelLocator.resolve("stories260K"), null)) {
            LoraEnsemble e = RandomEnsemble.create(base, 3, 4, 4f, EnumSet.of(LoraTarget.Q, LoraTarget.V), 7, 0.1);
            EnsembleFile.write(file, e);
        }
        String out = runCapturingStdout("bench", "--model", "stories260K", "--threads", "2", "--prompt-tokens", "8",
                "--gen-tokens", "6", "--bandwidth-mib", "8", "--ensemble", file.toString(), "--gpu", "0", "--json");
        // With --gpu the same figures again, attention and LoRA updates on the device (PoCL here).
        Map<String, Object> onDevice = (Map<String, Object>) Json.parseObject(out).get("ensemble_opencl");
        List<Map<String, Object>> deviceRows = (List<Map<String, Object>>) onDevice.get("rows");
        assertEquals(List.of("single", "ensemble", "naive"), deviceRows.stream().map(r -> r.get("mode")).toList());
        assertTrue(deviceRows.stream().allMatch(r -> num(r, "tokens_per_second") > 0), out);
        assertEquals("interleaved", Json.parseObject(out).get("weights"), "the ensemble's layout");
        Map<String, Object> ensemble = (Map<String, Object>) Json.parseObject(out).get("ensemble");
        assertEquals(3L, ((Number) ensemble.get("members")).longValue(), out);
        assertEquals(4L, ((Number) ensemble.get("rank")).longValue(), out);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) ensemble.get("rows");
        assertEquals(List.of("single", "ensemble", "naive"), rows.stream().map(r -> r.get("mode")).toList());
        double single = num(rows.get(0), "tokens_per_second");
        assertEquals(1.0, num(rows.get(0), "vs_single"), 1e-9);
        for (Map<String, Object> row : rows) {
            double tps = num(row, "tokens_per_second");
            assertTrue(tps > 0, out);
            assertEquals(tps / single, num(row, "vs_single"), 1e-3 * num(row, "vs_single"));
        }
        assertEquals(num(rows.get(1), "tokens_per_second") / num(rows.get(2), "tokens_per_second"),
                num(ensemble, "ensemble_vs_naive"), 1e-3 * num(ensemble, "ensemble_vs_naive"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void kernelsAddAPerKernelTableMeasuredOnBothSides() {
        String out = runCapturingStdout("bench", "--model", "stories260K", "--threads", "2", "--prompt-tokens", "8",
                "--gen-tokens", "4", "--bandwidth-mib", "8", "--gpu", "0", "--kernels", "--kernel-min-ms", "1",
                "--json");
        Map<String, Object> kernels = (Map<String, Object>) Json.parseObject(out).get("kernels");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) kernels.get("rows");
        assertEquals(9, rows.size(), "5 matvec types, attention at the bench context, rmsnorm, swiglu, lora: " + out);
        assertEquals("matvec F32", rows.getFirst().get("kernel"));
        assertEquals("64x64", rows.getFirst().get("shape"), "sized to stories260K's width");
        assertTrue(((String) rows.get(5).get("shape")).startsWith("ctx 36,"), "the bench's context: " + out);
        for (Map<String, Object> row : rows) {
            assertTrue(num(row, "cpu_gb_per_s") > 0 && num(row, "gpu_gb_per_s") > 0, row.toString());
            assertTrue(num(row, "max_relative_error") < 1e-4, row.toString());
        }
    }

    @Test
    void tableShowsEveryBackendAndSection() {
        String out = runCapturingStdout("bench", "--model", "stories260K", "--threads", "2", "--prompt-tokens", "8",
                "--gen-tokens", "4", "--bandwidth-mib", "8", "--gpu", "0", "--kernels", "--kernel-min-ms", "1");
        assertTrue(out.lines().anyMatch(l -> l.startsWith("cpu ") && l.contains("1.00x")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("opencl ") && l.endsWith("yes")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("KERNEL")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("after run ")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("token ") && l.contains("% of the weight stream")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("heap and buffers (anonymous growth over the baseline")
                && (l.endsWith("within the 64 MB bound") || l.endsWith("over the 64 MB bound"))), out);
    }

    /** stories260K is F32: llama.cpp computes what Specula does, so greedy tokens agree too. */
    @Test
    @SuppressWarnings("unchecked")
    void llamaCppAddsARowForTheSamePromptAndThreads() {
        Path tool = Path.of(System.getProperty("specula.llama-cpp", LlamaCpp.defaultDir().toString()));
        assumeTrue(LlamaCpp.installed(tool), "llama.cpp baseline not installed in " + tool);
        String out = runCapturingStdout("bench", "--model", "stories260K", "--threads", "2", "--prompt-tokens", "16",
                "--gen-tokens", "8", "--bandwidth-mib", "8", "--llama-cpp", tool.toString(), "--rounds", "2", "--json");
        Map<String, Object> doc = Json.parseObject(out);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("results");
        assertEquals(List.of("cpu", "llama.cpp"), rows.stream().map(r -> r.get("backend")).toList());
        Map<String, Object> llama = rows.get(1);
        assertTrue(num(llama, "prompt_tokens_per_second") > 0 && num(llama, "decode_tokens_per_second") > 0, out);
        assertEquals(rows.get(0).get("decoded_tokens"), llama.get("decoded_tokens"), out);
        assertEquals(num(llama, "prompt_tokens_per_second") / num(rows.get(0), "prompt_tokens_per_second"),
                num(llama, "prompt_vs_baseline"), 1e-3 * num(llama, "prompt_vs_baseline"));
        Map<String, Object> info = (Map<String, Object>) doc.get("llama_cpp");
        assertTrue(((String) info.get("engine")).startsWith("llama.cpp (node-llama-cpp "), out);
        // Two passes each, taking turns; each row reports its best.
        Map<String, Map<String, List<Number>>> passes = (Map<String, Map<String, List<Number>>>) doc.get("passes");
        for (int i = 0; i < rows.size(); i++) {
            List<Number> decode = passes.get((String) rows.get(i).get("backend")).get("decode_tokens_per_second");
            assertEquals(2, decode.size(), out);
            assertEquals(Math.max(decode.get(0).doubleValue(), decode.get(1).doubleValue()),
                    num(rows.get(i), "decode_tokens_per_second"), 0.05, out);
        }
    }

    @Test
    void llamaCppNeedsAGgufFile() {
        Cli.Run r = Cli.run("bench", "--model", "tinystories-656k", "--llama-cpp");
        assertEquals(SpeculaCommand.USER_ERROR, r.exit());
        assertTrue(r.err().contains("--llama-cpp needs a GGUF file (llama.cpp reads no other format): "), r.err());
        assertTrue(r.err().contains("tinystories-656k is not one"), r.err());
    }

    @Test
    void missingLlamaCppIsAUserError(@TempDir Path dir) {
        Cli.Run r = Cli.run("bench", "--model", "stories260K", "--llama-cpp", dir.toString());
        assertEquals(SpeculaCommand.USER_ERROR, r.exit());
        assertTrue(r.err().contains("the llama.cpp baseline is not installed in " + dir + ": run "
                + dir.resolve("install")), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void missingGpuIsAUserError() {
        Cli.Run r = Cli.run("bench", "--model", "stories260K", "--gpu", "no-such-device-xyz");
        assertEquals(SpeculaCommand.USER_ERROR, r.exit());
        assertTrue(r.err().contains("specula: error: --gpu no-such-device-xyz: no OpenCL device matches"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    private static double num(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).doubleValue();
    }

    private static String runCapturingStdout(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, SpeculaCommand.commandLine().execute(args));
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
