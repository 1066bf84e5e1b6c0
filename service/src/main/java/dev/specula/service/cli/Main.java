package dev.specula.service.cli;

import picocli.CommandLine;

/** Entry point of the {@code specula} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(SpeculaCommand.commandLine().execute(args));
    }
}
