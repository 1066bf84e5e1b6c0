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

    @Test
    void helpListsTheServerOptions() {
        String usage = SpeculaCommand.commandLine().getSubcommands().get("serve").getUsageMessage();
        for (String option : new String[] {"--model", "--ensemble", "--gpu", "--host", "--port", "--api-key", "--queue"}) {
            assertTrue(usage.contains(option), option);
        }
    }
}
