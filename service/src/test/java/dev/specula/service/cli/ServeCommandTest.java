package dev.specula.service.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeCommandTest {

    @Test
    void anUnknownModelIsAUsageErrorBeforeTheServerStarts() {
        CommandLine cl = SpeculaCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(SpeculaCommand.USER_ERROR, cl.execute("serve", "--model", "/nonexistent/model.gguf"));
        assertTrue(err.toString().startsWith("specula: error: no model '/nonexistent/model.gguf'"), err.toString());
    }

    @Test
    void aMissingEnsembleIsAUsageErrorBeforeTheServerStarts() {
        CommandLine cl = SpeculaCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(SpeculaCommand.USER_ERROR, cl.execute("serve", "--ensemble", "/nonexistent/e.ensemble.safetensors"));
        assertTrue(err.toString().startsWith(
                "specula: error: /nonexistent/e.ensemble.safetensors: no such ensemble file or adapter folder"), err.toString());
    }

    /** Before the server starts: the model loads in the background, where these would leave it answering 503. */
    @Test
    void settingsThatCannotWorkAreUsageErrorsBeforeTheServerStarts() {
        String[][] cases = {
                {"--port", "99999", "specula: error: invalid --port 99999: must be between 0 and 65535"},
                {"--port", "-1", "specula: error: invalid --port -1: must be between 0 and 65535"},
                {"--threads", "0", "specula: error: invalid --threads 0: must be between 1 and 4096"},
                {"--threads", "100000", "specula: error: invalid --threads 100000: must be between 1 and 4096"},
                {"--context", "-3", "specula: error: invalid --context -3: must be >= 0"},
                {"--kv-cache", "q4", "specula: error: invalid --kv-cache q4: must be f16 or f32"},
                {"--weights", "fast", "specula: error: invalid --weights fast: must be auto, mapped or interleaved"},
        };
        for (String[] c : cases) {
            CommandLine cl = SpeculaCommand.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            assertEquals(SpeculaCommand.USER_ERROR, cl.execute("serve", c[0], c[1]), c[0] + " " + c[1]);
            assertTrue(err.toString().startsWith(c[2]), err.toString());
        }
    }

    @Test
    void helpListsTheServerOptions() {
        String usage = SpeculaCommand.commandLine().getSubcommands().get("serve").getUsageMessage();
        for (String option : new String[] {"--model", "--ensemble", "--gpu", "--host", "--port", "--api-key", "--queue"}) {
            assertTrue(usage.contains(option), option);
        }
    }
}
