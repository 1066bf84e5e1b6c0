package dev.specula.service.cli;

import dev.specula.devices.DeviceProfileException;
import dev.specula.runtime.SpeculaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The top-level {@code specula} command; its subcommands do the work. */
@Command(name = "specula", mixinStandardHelpOptions = true, version = "specula 0.1.0",
        description = "Runs language models on memory-constrained devices.",
        subcommands = {
                GenerateCommand.class,
                TokenizeCommand.class,
                PerplexityCommand.class,
                InfoCommand.class,
                ServeCommand.class,
                DevicesCommand.class,
                LoraCommand.class,
                ConvertCommand.class,
                CalibratePredictorCommand.class,
                OffloadBenchCommand.class,
                SynthCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class SpeculaCommand implements Runnable {
    /** Exit status for mistakes in the user's input (files, flags, requests). */
    public static final int USER_ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SpeculaCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof SpeculaException || ex instanceof DeviceProfileException) {
                commandLine.getErr().println("specula: error: " + ex.getMessage());
                return USER_ERROR;
            }
            if (ex instanceof UncheckedIOException || ex instanceof IOException) {
                // Files vanishing or unreadable mid-run are the user's environment, not a bug.
                Throwable cause = ex instanceof UncheckedIOException u ? u.getCause() : ex;
                commandLine.getErr().println("specula: error: " + cause);
                return USER_ERROR;
            }
            throw ex;
        });
        return cl;
    }
}
