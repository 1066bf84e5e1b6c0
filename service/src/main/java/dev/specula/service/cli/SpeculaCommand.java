package dev.specula.service.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code specula} command; its subcommands do the work. */
@Command(name = "specula", mixinStandardHelpOptions = true, version = "specula 0.1.0",
        description = "Runs language models on memory-constrained devices.",
        subcommands = {CommandLine.HelpCommand.class})
public final class SpeculaCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new SpeculaCommand());
    }
}
