package dev.specula.service.cli;

import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.ModelLocator;
import dev.specula.runtime.lora.EnsembleFile;
import dev.specula.runtime.lora.LoraAdapter;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.PeftAdapter;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code specula lora train} and {@code lora eval} as a user runs them: tiny runs on stories260K. */
class LoraTrainCommandTest {
    private static final int MEMBERS = 2;
    private static final String[] TINY = {"--model", "stories260K", "--members", Integer.toString(MEMBERS),
            "--rank", "2", "--seq-len", "32", "--batch", "4", "--threads", "2"};

    @TempDir
    static Path dir;
    private static Path text;
    private static Path jsonl;
    private static ModelConfig config;

    @BeforeAll
    static void data() throws IOException {
        StringBuilder story = new StringBuilder();
        String[] names = {"Lily", "Tom", "Sue", "Ben"};
        for (int i = 0; i < 12; i++) {
            story.append("Once upon a time there was a girl named ").append(names[i % names.length])
                    .append(". She liked to play with her ball in the park.\n");
        }
        text = Files.writeString(dir.resolve("stories.txt"), story);
        List<String> lines = new ArrayList<>();
        for (String name : names) {
            lines.add("{\"prompt\": \"Once upon a time there was a dog named " + name
                    + ".\", \"completion\": \" He was happy and liked to run.\"}");
        }
        jsonl = Files.write(dir.resolve("pairs.jsonl"), lines);
        try (Model model = ModelLoader.load(ModelLocator.resolve("stories260K"), null)) {
            config = model.config();
        }
    }

    private static CommandLineTest.Run train(String... extra) {
        List<String> args = new ArrayList<>(List.of("lora", "train"));
        args.addAll(List.of(TINY));
        args.addAll(List.of(extra));
        return CommandLineTest.run(args.toArray(String[]::new));
    }

    private static void assertUserError(CommandLineTest.Run r, String... fragments) {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "stack trace: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "stderr lacks '" + f + "': " + r.err());
        }
    }

    @Test
    void trainingOnTextWritesAnEnsembleAndPeftFoldersThatEvalScores() {
        Path out = dir.resolve("txt" + EnsembleFile.SUFFIX);
        CommandLineTest.Run r = train("--data", text.toString(), "--epochs", "2", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("ensemble: " + out), r.out());
        assertTrue(r.err().contains("[train]") && r.err().contains("loss"), "progress on stderr: " + r.err());

        LoraEnsemble ensemble = EnsembleFile.read(out, config);
        assertEquals(MEMBERS, ensemble.size());
        assertEquals(2, ensemble.rank());
        assertEquals("stories.txt", ensemble.training().get("data"));
        assertEquals("0.5", ensemble.training().get("alpha_renyi"));
        assertEquals("linear", ensemble.training().get("lr_schedule"));
        assertTrue(Double.isFinite(Double.parseDouble(ensemble.training().get("loss_per_token"))), ensemble.training().toString());

        for (int k = 0; k < MEMBERS; k++) {
            Path folder = dir.resolve("txt-peft").resolve("m" + k);
            assertTrue(r.out().contains("peft adapter: " + folder), r.out());
            LoraAdapter peft = PeftAdapter.read(folder, config);
            for (LoraTarget t : ensemble.targets()) {
                assertArrayEquals(ensemble.member(k).b(t, 0), peft.b(t, 0), 1e-6f, "member " + k + " " + t);
            }
        }
        assertFalse(java.util.Arrays.equals(ensemble.member(0).b(LoraTarget.V, 0), ensemble.member(1).b(LoraTarget.V, 0)),
                "members start from different seeds");

        CommandLineTest.Run eval = CommandLineTest.run("lora", "eval", "--model", "stories260K", "--threads", "2",
                "--ensemble", out.toString(), "--data", jsonl.toString(), "--seq-len", "32");
        assertEquals(0, eval.exit(), eval.err());
        double mixture = value(eval.out(), "mixture perplexity: ([0-9.]+)");
        assertTrue(mixture > 1 && mixture < 512, eval.out());
        for (int k = 0; k < MEMBERS; k++) {
            double member = value(eval.out(), "member " + k + " perplexity: ([0-9.]+) \\|");
            assertTrue(member > 1 && member < 512, eval.out());
        }
        double mutualInformation = value(eval.out(), "mutual information: ([0-9.]+) nats/token");
        assertTrue(mutualInformation >= 0 && mutualInformation < Math.log(MEMBERS), eval.out());
        assertFalse(eval.out().contains("[eval]"), "stats belong on stderr");
    }

    @Test
    void trainingOnPromptCompletionPairsWithoutPeft() {
        Path out = dir.resolve("pairs" + EnsembleFile.SUFFIX);
        CommandLineTest.Run r = train("--data", jsonl.toString(), "--alpha", "0", "--no-peft", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        LoraEnsemble ensemble = EnsembleFile.read(out, config);
        assertEquals(MEMBERS, ensemble.size());
        assertEquals("pairs.jsonl", ensemble.training().get("data"));
        assertEquals("0.0", ensemble.training().get("alpha_renyi"));
        assertFalse(Files.exists(dir.resolve("pairs-peft")), "--no-peft writes no adapter folders");
        assertFalse(r.out().contains("peft adapter"), r.out());
    }

    private static double value(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no '" + regex + "' in: " + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void badInputsAreUserErrors() throws IOException {
        String out = dir.resolve("never" + EnsembleFile.SUFFIX).toString();
        Path missing = dir.resolve("missing.txt");
        assertUserError(train("--data", missing.toString(), "--out", out), missing.toString(), "no such data file");

        Path malformed = Files.writeString(dir.resolve("malformed.jsonl"),
                "{\"prompt\": \"Once\", \"completion\": \" upon\"}\n{\"prompt\": \"Once\", \"completion\"\n");
        assertUserError(train("--data", malformed.toString(), "--out", out), malformed + ":2: not a JSON object");

        assertUserError(CommandLineTest.run("lora", "train", "--data", text.toString(), "--members", "0", "--out", out),
                "members must be positive, got 0");
        assertUserError(train("--data", text.toString(), "--alpha=-0.5", "--out", out), "alpha", "-0.5");
        assertUserError(train("--data", text.toString(), "--alpha", "NaN", "--out", out), "alpha", "NaN");
        assertUserError(train("--data", text.toString(), "--lr-schedule", "cosine", "--out", out),
                "unknown learning-rate schedule 'cosine'", "linear or constant");

        Path noCheckpoint = dir.resolve("no-checkpoint");
        assertUserError(train("--data", text.toString(), "--checkpoint", noCheckpoint.toString(), "--resume",
                "--out", out), noCheckpoint + ": no checkpoint");
        assertUserError(train("--data", text.toString(), "--resume", "--out", out), "--resume needs --checkpoint");

        assertUserError(CommandLineTest.run("lora", "eval", "--ensemble", dir.resolve("none" + EnsembleFile.SUFFIX).toString(),
                "--data", text.toString()), "no such ensemble file");
        assertFalse(Files.exists(Path.of(out)), "failed runs write no ensemble");
    }

    @Test
    void trainAndEvalHaveHelp() {
        for (String command : new String[] {"train", "eval"}) {
            CommandLineTest.Run r = CommandLineTest.run("lora", command, "--help");
            assertEquals(0, r.exit());
            assertTrue(r.out().contains("Usage: specula lora " + command), r.out());
            assertTrue(r.out().contains("--data"), r.out());
        }
    }
}
