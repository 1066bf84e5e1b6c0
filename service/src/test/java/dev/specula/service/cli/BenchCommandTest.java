package dev.specula.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.json.Json;
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

        @SuppressWarnings("unchecked")
        Map<String, Object> row = ((List<Map<String, Object>>) Json.parseObject(out).get("results")).getFirst();
        assertEquals("cpu", row.get("backend"));
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
