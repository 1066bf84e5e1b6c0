package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.DeviceProfile;
import dev.specula.devices.ProfileWriter;
import dev.specula.service.FlashSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Prints one profile and what its storage model implies. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Print a device profile (a built-in or user profile name, or a .profile file) and its storage model.")
public final class DevicesShowCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PROFILE", description = "Profile name or .profile file.")
    String profile;

    @Override
    public Integer call() {
        DeviceProfile p = FlashSettings.profile(profile);
        PrintWriter out = spec.commandLine().getOut();
        out.print(ProfileWriter.toText(p));
        out.println();
        long chunk = p.bestChunkBytes();
        out.printf(Locale.ROOT, "# model: best chunk %s (%.0f MB/s), best queue depth %d, transfer rate %.0f MB/s,"
                        + " budget %s; reading 100 MiB in %s chunks at that depth takes %.3f s%n",
                ByteSize.format(chunk), p.sequentialBandwidth(chunk) / 1e6, p.bestQueueDepth(), p.transferRate() / 1e6,
                ByteSize.format(p.defaultBudgetBytes()), ByteSize.format(chunk),
                p.readSeconds(100 * ByteSize.MiB, chunk, p.bestQueueDepth()));
        out.flush();
        return 0;
    }
}
