package dev.specula.service.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.tensor.GgmlType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {

    private static final String[] TINY = {"--dim", "64", "--layers", "1", "--heads", "4", "--kv-heads", "2",
            "--ffn", "96", "--vocab", "300", "--context", "32"};

    @Test
    void writesTheRequestedShapeAndRefusesToOverwrite(@TempDir Path dir) {
        Path file = dir.resolve("m.gguf");
        assertEquals(0, run(file, "--quant", "q8_0").exit);
        try (Model m = ModelLoader.load(file, null)) {
            assertEquals(64, m.config().dim());
            assertEquals(2, m.config().kvHeads());
            assertEquals(GgmlType.Q8_0, m.tensor("blk.0.ffn_up.weight").type());
        }

        Result again = run(file, "--quant", "q4_0");
        assertEquals(SpeculaCommand.USER_ERROR, again.exit);
        assertTrue(again.err.contains("already exists (use --force"), again.err);
        assertEquals(0, run(file, "--quant", "q4_0", "--force").exit);
        try (Model m = ModelLoader.load(file, null)) {
            assertEquals(GgmlType.Q4_0, m.tensor("blk.0.ffn_up.weight").type());
        }
    }

    @Test
    void badQuantOrShapeIsAUserError(@TempDir Path dir) {
        Result r = run(dir.resolve("x.gguf"), "--quant", "iq2_xs");
        assertEquals(SpeculaCommand.USER_ERROR, r.exit);
        assertTrue(r.err.contains("unknown quantization 'iq2_xs'"), r.err);
        r = run(dir.resolve("x.gguf"), "--quant", "q5_k");
        assertEquals(SpeculaCommand.USER_ERROR, r.exit);
        assertTrue(r.err.contains("q5_k needs dim (64) and ffn (96) to be multiples of 256"), r.err);
        r = run(dir.resolve("x.gguf"), "--quant", "q4_0", "--dim", "72");
        assertEquals(SpeculaCommand.USER_ERROR, r.exit);
        assertTrue(r.err.contains("dim (72) and ffn (96) to be multiples of 32"), r.err);
        assertTrue(Files.notExists(dir.resolve("x.gguf")));
    }

    private record Result(int exit, String err) {
    }

    /** Runs synth on the tiny shape; an option in {@code args} replaces the tiny shape's value. */
    private static Result run(Path out, String... args) {
        List<String> all = new ArrayList<>(List.of("synth", "--out=" + out));
        for (int i = 0; i < TINY.length; i += 2) {
            if (!List.of(args).contains(TINY[i])) {
                all.add(TINY[i]);
                all.add(TINY[i + 1]);
            }
        }
        all.addAll(List.of(args));
        StringWriter err = new StringWriter();
        CommandLine cl = SpeculaCommand.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Result(exit, err.toString());
    }
}
