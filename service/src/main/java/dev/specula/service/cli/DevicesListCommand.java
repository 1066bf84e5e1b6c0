package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.DeviceProfile;
import dev.specula.devices.DeviceProfileException;
import dev.specula.devices.DeviceRegistry;
import dev.specula.gpu.OpenClDevice;
import dev.specula.gpu.OpenClDevices;
import dev.specula.service.report.Table;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Lists the device profiles and this machine's OpenCL devices. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the built-in and user device profiles, and this machine's OpenCL platforms and devices.")
public final class DevicesListCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DeviceRegistry registry = DeviceRegistry.fromEnvironment();
        DeviceRegistry.Listing listing = registry.list();
        out.println("Device profiles (user profiles in " + registry.userDirectory() + "):");
        out.print(profileTable(listing).toText());
        for (DeviceProfileException problem : listing.problems()) {
            err.println("specula: warning: skipped " + problem.getMessage());
        }
        out.println();
        OpenClDevices.Discovery discovery = OpenClDevices.discover();
        if (!discovery.available()) {
            out.println("OpenCL: " + discovery.summary());
        } else {
            out.println("OpenCL devices (--gpu N or --gpu NAME; auto picks an integrated GPU, never a CPU device or a discrete GPU):");
            for (OpenClDevice d : discovery.devices()) {
                out.println("  " + d.describe());
                out.println("      platform " + d.platformVersion() + ", driver " + d.driverVersion());
            }
        }
        out.flush();
        return 0;
    }

    static Table profileTable(DeviceRegistry.Listing listing) {
        Table table = new Table("NAME", "DRAM", "BUDGET", "SEQ (BEST CHUNK)", "RAND IOPS (QD)", "GPU", "ORIGIN")
                .numericColumns(1, 2);
        for (DeviceRegistry.Entry e : listing.entries()) {
            DeviceProfile p = e.profile();
            long best = p.bestChunkBytes();
            DeviceProfile.RandPoint qd1 = p.random().getFirst();
            DeviceProfile.RandPoint deepest = p.random().getLast();
            String rand = kilo(qd1.iops()) + " (1)" + (p.random().size() > 1
                    ? " .. " + kilo(deepest.iops()) + " (" + deepest.queueDepth() + ")" : "");
            table.row(p.name(), ByteSize.format(p.dramBytes()),
                    ByteSize.format(p.defaultBudgetBytes()) + " (" + p.defaultBudget() + ")",
                    String.format(Locale.ROOT, "%.0f MB/s @ %s", p.sequentialBandwidth(best) / 1e6, ByteSize.format(best)),
                    rand, p.unifiedMemory() ? "unified" : "-", e.origin());
        }
        return table;
    }

    private static String kilo(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.1fk", v / 1000) : String.format(Locale.ROOT, "%.0f", v);
    }
}
