package dev.specula.service.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Parent of the LoRA tools; each is a subcommand ({@code specula lora random ...}). */
@Command(name = "lora", mixinStandardHelpOptions = true,
        description = "LoRA adapters and ensembles: make, benchmark, train and evaluate.",
        subcommands = {LoraRandomCommand.class, LoraBenchCommand.class, LoraTrainCommand.class, LoraEvalCommand.class,
                CommandLine.HelpCommand.class})
public final class LoraCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
