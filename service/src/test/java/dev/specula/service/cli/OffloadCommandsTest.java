package dev.specula.service.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffloadCommandsTest {
    private static final Path SHARED = Path.of(System.getProperty("specula.shared", "../shared"));

    @TempDir
    Path dir;

    @Test
    void convertThenRefuseOverwriteThenRefuseATinyBudget() {
        Path out = dir.resolve("s.specula");
        String model = SHARED.resolve("models/stories260K.gguf").toString();
        assertEquals(0, run("convert", "-m", model, "--out", out.toString(), "--predictor-rank", "0").code);

        Result again = run("convert", "-m", model, "--out", out.toString());
        assertEquals(SpeculaCommand.USER_ERROR, again.code);
        assertTrue(again.err.contains("already exists; pass --force"), again.err);

        // Reading every neuron, any cache of one neuron per layer fits (the rest streams), but not less than the resident weights.
        Result tiny = run("generate", "-m", out.toString(), "--prompt", "Once", "--max-tokens", "2",
                "--memory-budget", "256KiB", "--context", "64");
        assertEquals(SpeculaCommand.USER_ERROR, tiny.code);
        assertTrue(tiny.err.contains("specula: error: memory budget 256 KiB is too small for s.specula: at least"), tiny.err);

        Result noCalibration = run("generate", "-m", out.toString(), "--prompt", "Once", "--sparsity", "0.5", "--predictor", "gate");
        assertEquals(SpeculaCommand.USER_ERROR, noCalibration.code);
        assertTrue(noCalibration.err.contains("no predictor calibrated for sparsity 0.5"), noCalibration.err);

        Result bench = run("bench", "-m", out.toString());
        assertEquals(SpeculaCommand.USER_ERROR, bench.code);
        assertTrue(bench.err.contains("is a .specula flash layout file") && bench.err.contains("--sweep-budget"), bench.err);
    }

    private record Result(int code, String err) {
    }

    private static Result run(String... args) {
        CommandLine cl = SpeculaCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, err.toString());
    }
}
