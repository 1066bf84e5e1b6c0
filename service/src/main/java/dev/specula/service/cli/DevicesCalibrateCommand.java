package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.devices.DeviceProfile;
import dev.specula.devices.DeviceRegistry;
import dev.specula.devices.ProfileWriter;
import dev.specula.devices.StorageCalibrator;
import dev.specula.gpu.OpenClDevice;
import dev.specula.gpu.OpenClDevices;
import dev.specula.runtime.SpeculaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Measures this machine's storage and saves it as a device profile. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Measure the storage holding a directory with O_DIRECT reads (bandwidth by chunk size, random "
                + "IOPS by queue depth) and save it as a device profile; memory.unified is set when an OpenCL GPU shares "
                + "host memory. Progress goes to stderr, the profile to stdout."})
public final class DevicesCalibrateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--file-size", paramLabel = "SIZE", defaultValue = "256MiB",
            description = "Size of the test file; larger than the disk cache gives honest numbers (default: ${DEFAULT-VALUE}).")
    String fileSize;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
            description = "A directory on the storage to measure (default: the current one).")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write the profile (default: <user profiles>/<name>.profile, see `specula devices list`).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "this-machine",
            description = "Profile name: lower-case letters, digits, '.', '_', '-' (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--step-ms", paramLabel = "MS", defaultValue = "1000",
            description = "Time spent on each measurement, in milliseconds (default: ${DEFAULT-VALUE}).")
    long stepMillis;

    @Option(names = "--allow-page-cache",
            description = "Where the file system refuses O_DIRECT, measure through the page cache (measures memory, not storage).")
    boolean allowPageCache;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StorageCalibrator.Options options = options();
        StorageCalibrator.Result result;
        try {
            result = StorageCalibrator.calibrate(dir, options, new ProgressBar(err, "calibrate"));
        } catch (IOException e) {
            throw new SpeculaException("calibration of " + dir.toAbsolutePath() + " failed: " + e.getMessage(), e);
        }
        DeviceProfile profile = result.profile();
        List<String> comments = new ArrayList<>(result.comments());
        comments.removeIf(c -> c.startsWith("memory.unified is not probed"));
        Optional<OpenClDevice> sharedGpu = OpenClDevices.list().stream()
                .filter(d -> d.isGpu() && d.hostUnifiedMemory()).findFirst();
        profile = profile.withUnifiedMemory(sharedGpu.isPresent());
        comments.add(sharedGpu.map(d -> "memory.unified = true: the OpenCL GPU " + d.describe() + " shares host memory.")
                .orElse("memory.unified = false: no OpenCL GPU sharing host memory was found."));
        Path file;
        try {
            if (out != null) {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                ProfileWriter.write(profile, out, comments);
                file = out;
            } else {
                file = DeviceRegistry.fromEnvironment().save(profile, comments);
            }
        } catch (IOException e) {
            throw new SpeculaException("cannot write the profile: " + e.getMessage(), e);
        }
        for (String note : result.notes()) {
            err.println("[calibrate] note: " + note);
        }
        err.printf("[calibrate] %s, took %.1f s; profile written to %s (use --device %s)%n",
                result.directIo() ? "O_DIRECT" : "through the page cache", result.elapsed().toMillis() / 1e3, file,
                out != null ? file : profile.name());
        stdout.print(ProfileWriter.toText(profile, comments));
        stdout.flush();
        err.flush();
        return 0;
    }

    private StorageCalibrator.Options options() {
        if (!DeviceProfile.NAME.matcher(name).matches()) {
            throw new SpeculaException("--name " + name + ": must match " + DeviceProfile.NAME.pattern());
        }
        if (stepMillis <= 0) {
            throw new SpeculaException("--step-ms " + stepMillis + ": must be positive");
        }
        long bytes;
        try {
            bytes = ByteSize.parse(fileSize);
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("--file-size " + fileSize + ": " + e.getMessage());
        }
        if (!Files.isDirectory(dir)) {
            throw new SpeculaException("--dir " + dir + ": not a directory");
        }
        try {
            return StorageCalibrator.Options.defaults().withFileBytes(bytes).withProfileName(name)
                    .withStepTime(Duration.ofMillis(stepMillis)).withAllowPageCache(allowPageCache);
        } catch (IllegalArgumentException e) {
            throw new SpeculaException("--file-size " + fileSize + ": " + e.getMessage());
        }
    }
}
