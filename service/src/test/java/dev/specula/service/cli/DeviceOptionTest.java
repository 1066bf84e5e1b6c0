package dev.specula.service.cli;

import dev.specula.devices.DeviceProfiles;
import dev.specula.devices.StorageThrottle;
import dev.specula.runtime.SpeculaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceOptionTest {

    /** A command that mixes the option in, as the offload commands will. */
    @Command(name = "probe")
    static final class Probe implements Runnable {
        @Mixin
        DeviceOption device;

        @Override
        public void run() {
        }
    }

    private static DeviceOption parse(String... args) {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs(args);
        return probe.device;
    }

    @Test
    void absentMeansNoSimulation() {
        assertEquals(Optional.empty(), parse().profile());
        assertEquals(Optional.empty(), parse().throttle());
    }

    @Test
    void aBuiltinNameGivesAThrottleForThatProfile() {
        StorageThrottle throttle = parse("--device", "pi5-microsd").throttle().orElseThrow();
        assertEquals(DeviceProfiles.load("pi5-microsd"), throttle.profile());
    }

    @Test
    void aBadFileIsAUserErrorNamingTheFileAndLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("x.profile");
        Files.writeString(bad, "name = x\nnonsense\n");
        SpeculaException e = assertThrows(SpeculaException.class, () -> parse("--device", bad.toString()).profile());
        assertTrue(e.getMessage().startsWith("--device " + bad + ": " + bad + ":2:"), e.getMessage());
    }
}
