package dev.specula.service.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code specula devices}: device profiles, storage calibration and the OpenCL devices of this machine. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Device profiles, storage calibration and GPU kernels of this machine.",
        subcommands = {DevicesListCommand.class, DevicesShowCommand.class, DevicesCalibrateCommand.class,
                GpuBenchCommand.class})
public final class DevicesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
