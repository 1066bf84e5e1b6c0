package dev.specula.service.cli;

import dev.specula.runtime.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code specula lora ...} and {@code generate --ensemble} as a user runs them. */
class LoraCommandTest {
    @TempDir
    Path dir;

    private Path randomEnsemble(int members) {
        Path out = dir.resolve("r" + members + ".ensemble.safetensors");
        String[] args = {"lora", "random", "--model", "stories260K", "--members", Integer.toString(members), "--rank", "4",
                "--targets", "q,v,down", "--seed", "5", "--scale", "0.3", "--out", out.toString()};
        CommandLineTest.Run r = CommandLineTest.run(args);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("wrote " + out), r.out());
        return out;
    }

    @Test
    void generateWithAnEnsembleReportsItsDisagreementPerTokenAndPerResponse() throws IOException {
        Path ensemble = randomEnsemble(3);
        Path json = dir.resolve("tokens.jsonl");
        CommandLineTest.Run r = CommandLineTest.run("generate", "--model", "stories260K", "--prompt", "Once upon a time",
                "--max-tokens", "12", "--temperature", "0", "--gpu", "off", "--ensemble", ensemble.toString(),
                "--uncertainty", "json", "--uncertainty-file", json.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().contains("{"), "JSON went to the file, not stdout: " + r.out());
        assertTrue(r.err().contains("[ensemble] members 3 | rank 4"), r.err());
        assertTrue(r.err().contains("[uncertainty] members 3") && r.err().contains("mutual information"), r.err());
        List<String> lines = Files.readAllLines(json);
        assertEquals(12, lines.size(), "one JSON line per generated token: " + lines);
        double mutualInformation = 0;
        for (String line : lines) {
            Map<String, Object> token = Json.parseObject(line);
            assertEquals(3, ((List<?>) token.get("member_probs")).size(), line);
            double total = ((Number) token.get("entropy")).doubleValue();
            double expected = ((Number) token.get("expected_entropy")).doubleValue();
            assertTrue(total >= expected - 1e-4, line);
            mutualInformation += ((Number) token.get("mutual_information")).doubleValue();
        }
        assertTrue(mutualInformation > 0, "random members must disagree somewhere");
    }

    @Test
    void peftFolderIsAnEnsembleOfOne() {
        Path folder = dir.resolve("peft");
        CommandLineTest.Run made = CommandLineTest.run("lora", "random", "--model", "stories260K", "--members", "1",
                "--format", "peft", "--out", folder.toString());
        assertEquals(0, made.exit(), made.err());
        assertTrue(Files.exists(folder.resolve("adapter_config.json")));
        CommandLineTest.Run r = CommandLineTest.run("generate", "--model", "stories260K", "--prompt", "Once",
                "--max-tokens", "5", "--temperature", "0", "--gpu", "off", "--ensemble", folder.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("[ensemble] members 1"), r.err());
    }

    @Test
    void ensembleForAnotherModelIsAUserError() {
        Path ensemble = randomEnsemble(2);
        CommandLineTest.Run r = CommandLineTest.run("generate", "--model", "tinystories-656k", "--prompt", "Once",
                "--max-tokens", "3", "--gpu", "off", "--ensemble", ensemble.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("base_dim is 64 but the base model has 128"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void badArgumentsAreUserErrors() {
        CommandLineTest.Run targets = CommandLineTest.run("lora", "random", "--members", "2", "--targets", "q,lm_head",
                "--out", dir.resolve("x").toString());
        assertEquals(2, targets.exit());
        assertTrue(targets.err().contains("unknown LoRA target 'lm_head'"), targets.err());
        CommandLineTest.Run missing = CommandLineTest.run("generate", "--prompt", "Once", "--gpu", "off",
                "--ensemble", dir.resolve("nothing").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no such ensemble file or adapter folder"), missing.err());
    }

    @Test
    void benchPrintsSingleEnsembleAndNaiveFigures() {
        Path ensemble = randomEnsemble(2);
        CommandLineTest.Run r = CommandLineTest.run("lora", "bench", "--model", "stories260K", "--gpu", "off",
                "--ensemble", ensemble.toString(), "--tokens", "8", "--rounds", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("single:") && r.out().contains("ensemble:") && r.out().contains("naive:"), r.out());
        assertTrue(r.out().contains("x single"), r.out());
    }

    @Test
    void loraListsItsSubcommands() {
        CommandLineTest.Run r = CommandLineTest.run("lora", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("random") && r.out().contains("bench"), r.out());
    }
}
