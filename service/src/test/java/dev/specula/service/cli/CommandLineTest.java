package dev.specula.service.cli;

import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code specula} command as a user runs it: output streams, exit codes and error messages. */
class CommandLineTest {
    private static final Path MODELS = Path.of(System.getProperty("specula.shared", "../shared"), "models");

    /** Exit code, stdout and stderr of one command. */
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            var cl = SpeculaCommand.commandLine();
            cl.setOut(new java.io.PrintWriter(o, true));
            cl.setErr(new java.io.PrintWriter(e, true));
            int exit = cl.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static void assertUserError(Run r, String... fragments) {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "stack trace: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "stderr lacks '" + f + "': " + r.err());
        }
    }

    @Test
    void generatePrintsOnlyTheContinuationOnStdout() {
        Run r = run("generate", "--model", "stories260K", "--prompt", "Once upon a time", "--max-tokens", "40",
                "--temperature", "0", "--gpu", "off");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(", there was a little girl named Lily. She loved to play outside in the park."),
                r.out());
        assertFalse(r.out().contains("tok/s"), "stats belong on stderr");
        assertTrue(r.err().contains("generated 40 tokens"), r.err());
        assertTrue(r.err().contains("RSS"), "memory line on stderr: " + r.err());
    }

    /** The memory line says what of the weights the engine copied: F32 is multiplied mapped, F16 copied. */
    @Test
    void memoryLineSaysWhatIsCopied(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tiny-f16.gguf");
        new SynthModelWriter(new SynthShape("tiny", 64, 1, 4, 4, 64, 300, 16), SynthQuant.F16, 3)
                .write(file, false, n -> { });
        Run copied = run("generate", "--model", file.toString(), "--prompt", "x", "--max-tokens", "2", "--gpu", "off");
        Run mapped = run("generate", "--model", "stories260K", "--prompt", "x", "--max-tokens", "2", "--gpu", "off");

        assertEquals(0, copied.exit(), copied.err());
        String copies = "(?s).*\\[memory] weights [^|]+ mapped, [^|]+ of them copied \\(interleaved\\) \\|.*";
        assertTrue(copied.err().matches(copies), copied.err());
        assertEquals(0, mapped.exit(), mapped.err());
        assertTrue(mapped.err().matches("(?s).*\\[memory] weights [^|]+ mapped \\|.*"), mapped.err());
    }

    @Test
    void sameSeedSameSample() {
        Run a = sample(42);
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.out(), sample(42).out());
        assertFalse(a.out().equals(sample(43).out()), "different seeds gave the same 30 tokens");
    }

    private static Run sample(long seed) {
        return run("generate", "--model", "stories260K.bin", "--prompt", "Once", "--max-tokens", "30",
                "--temperature", "1", "--seed", Long.toString(seed), "--gpu", "off");
    }

    @Test
    void tokenizePrintsIds() {
        Run r = run("tokenize", "--model", "stories260K.gguf", "--text", "Once upon a time");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().strip().matches("[0-9]+( [0-9]+)*"), r.out());
    }

    @Test
    void perplexityEndsWithItsValue() throws IOException {
        Path text = Path.of(System.getProperty("specula.shared", "../shared"), "corpus", "tinystories-valid-excerpt.txt");
        Run r = run("perplexity", "--model", "stories260K", "--file", text.toString(), "--context", "64",
                "--gpu", "off");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.matches("perplexity: [0-9.]+"), last);
        double ppl = Double.parseDouble(last.substring("perplexity: ".length()));
        assertTrue(ppl > 2 && ppl < 30, "perplexity " + ppl);
    }

    @Test
    void perplexityOfAnEnsembleIsTheMixturesAfterEachMembers() {
        Path text = Path.of(System.getProperty("specula.shared", "../shared"), "corpus", "tinystories-valid-excerpt.txt");
        Run r = run("perplexity", "--model", "stories260K", "--file", text.toString(), "--context", "64",
                "--max-chunks", "4", "--gpu", "off", "--ensemble", "../models/stories260K.ensemble.safetensors");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].matches("perplexity: [0-9.]+"), r.out());
        assertTrue(lines[lines.length - 2].startsWith("mean nll (mixture of 4): "), r.out());
        assertEquals(4, r.out().lines().filter(l -> l.matches("member [0-3]: mean nll [0-9.]+, perplexity [0-9.]+")).count(),
                r.out());

        Run missing = run("perplexity", "--model", "stories260K", "--file", text.toString(), "--ensemble", "no-such.x");
        assertEquals(SpeculaCommand.USER_ERROR, missing.exit());
        assertTrue(missing.err().contains("no-such.x: no such ensemble file or adapter folder"), missing.err());
    }

    @Test
    void infoShowsMetadataTensorsAndMemory() {
        Run r = run("info", "--model", "TinyStories-656K-Q8_0.gguf");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Q8_0"), r.out());
        assertTrue(r.out().contains("blk.0.attn_q.weight"), r.out());
        assertTrue(r.out().contains("memory"), r.out());
        assertTrue(r.out().contains("by type: Q8_0 "), "the quantized matrices outweigh the F32 norms: " + r.out());
        assertTrue(r.out().contains(" tensors "), r.out());
    }

    @Test
    void infoSizesTheKvCacheAtTheAskedContext() {
        Run r = run("info", "--model", "stories260K.gguf", "--context", "64");
        assertEquals(0, r.exit(), r.err());
        // stories260K: K and V, 5 layers, 64 positions, 4 kv heads of 8 dims: 40 KiB of half floats, 80 of floats
        assertTrue(r.out().contains("KV cache 40 KiB at context 64 (f16; f32: 80 KiB),"), r.out());
        Run over = run("info", "--model", "stories260K.gguf", "--context", "100000");
        assertEquals(2, over.exit(), over.err());
        assertTrue(over.err().contains("context length 100000 exceeds the model's maximum of 2048"), over.err());
        assertEquals("", over.out(), "nothing printed before the error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"generate", "tokenize", "perplexity", "info"})
    void everyCommandHasHelp(String command) {
        Run r = run(command, "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("Usage: specula " + command), r.out());
    }

    @Test
    void truncatedModelNamesFileAndOffset(@TempDir Path dir) throws IOException {
        byte[] gguf = Files.readAllBytes(MODELS.resolve("stories260K.gguf"));
        for (int cut : new int[]{3, 20, 5000, gguf.length / 2, gguf.length - 1}) {
            Path file = dir.resolve("cut" + cut + ".gguf");
            Files.write(file, Arrays.copyOf(gguf, cut));
            assertUserError(run("generate", "--model", file.toString(), "--prompt", "x", "--gpu", "off"),
                    file.toString());
        }
    }

    @Test
    void wrongMagicIsRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.gguf");
        Files.writeString(file, "XXXX this is not a model at all");
        assertUserError(run("info", "--model", file.toString()), file.toString(), "not a recognized model");
    }

    @Test
    void unknownModelNameListsTheAvailableOnes() {
        assertUserError(run("generate", "--model", "no-such-model", "--prompt", "x"), "no-such-model",
                "stories260K");
    }

    @Test
    void missingTokenizerIsNamed() {
        assertUserError(run("generate", "--model", "stories260K.bin", "--tokenizer", "/nonexistent/tok.bin",
                "--prompt", "x", "--gpu", "off"), "/nonexistent/tok.bin");
    }

    @Test
    void promptLongerThanTheContextIsRefused() {
        assertUserError(run("generate", "--model", "stories260K", "--context", "16", "--gpu", "off",
                "--prompt", "Once upon a time there was a little girl who lived in a big house with her mom"),
                "does not fit the context length of 16");
    }

    @Test
    void badSamplingParametersAreNamed() {
        assertUserError(run("generate", "--prompt", "x", "--top-p", "1.5", "--gpu", "off"), "top_p");
        assertUserError(run("generate", "--prompt", "x", "--temperature", "-1", "--gpu", "off"), "temperature");
        assertUserError(run("generate", "--prompt", "x", "--max-tokens", "0", "--gpu", "off"), "max_tokens");
    }

    @Test
    void theKvCacheTypeIsChosenByName() {
        Run f32 = run("generate", "--prompt", "Once", "--max-tokens", "4", "--seed", "1", "--gpu", "off", "--kv-cache",
                "F32");
        assertEquals(0, f32.exit(), f32.err());
        assertUserError(run("generate", "--prompt", "x", "--kv-cache", "q8_0", "--gpu", "off"),
                "invalid --kv-cache q8_0: must be f16 or f32");
    }

    @Test
    void theWeightLayoutIsChosenByName() {
        Run mapped = run("generate", "--prompt", "Once", "--max-tokens", "4", "--seed", "1", "--gpu", "off", "--weights",
                "Mapped");
        assertEquals(0, mapped.exit(), mapped.err());
        assertUserError(run("generate", "--prompt", "x", "--weights", "copied", "--gpu", "off"),
                "invalid --weights copied: must be auto, mapped or interleaved");
    }
}
