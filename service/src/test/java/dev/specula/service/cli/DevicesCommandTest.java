package dev.specula.service.cli;

import dev.specula.devices.DeviceProfile;
import dev.specula.devices.DeviceProfiles;
import dev.specula.devices.DeviceRegistry;
import dev.specula.devices.ProfileParser;
import dev.specula.devices.ProfileWriter;
import dev.specula.service.FlashSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesCommandTest {

    @TempDir
    Path dir;

    @BeforeEach
    void isolateUserProfiles() {
        System.setProperty(DeviceRegistry.PROPERTY, dir.resolve("user").toString());
    }

    @AfterEach
    void restore() {
        System.clearProperty(DeviceRegistry.PROPERTY);
    }

    private static void assertUserError(Cli.Run r, String... fragments) {
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("specula: error: "), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
        }
    }

    @Test
    void listShowsBuiltinAndUserProfilesAndOpenCl() throws IOException {
        new DeviceRegistry(dir.resolve("user")).save(DeviceProfiles.load("pi5-nvme").withName("my-pi"), List.of());
        Files.writeString(dir.resolve("user/junk.profile"), "this is not a profile\n");
        Cli.Run r = Cli.run("devices", "list");
        assertEquals(0, r.exit(), r.err());
        for (String name : DeviceProfiles.BUILTIN_NAMES) {
            assertTrue(r.out().contains(name), name + " in:\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("my-pi ") && l.contains("my-pi.profile")), r.out());
        // pi5-nvme: 256 KiB (396 MB/s) is below 90% of the 449 MB/s peak, 512 KiB interpolates to 415 MB/s
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pi5-nvme ") && l.contains("415 MB/s @ 512 KiB")), r.out());
        assertTrue(r.out().contains("OpenCL"), r.out());
        assertTrue(r.err().contains("warning: skipped") && r.err().contains("junk.profile:1"), r.err());
    }

    @Test
    void badProfileFileIsAClearUserError() throws IOException {
        Path bad = dir.resolve("bad.profile");
        Files.writeString(bad, ProfileWriter.toText(DeviceProfiles.load("pi5-nvme"))
                .replaceFirst("seq\\.64KiB +=.*", "seq.64KiB = fast"));
        assertUserError(Cli.run("devices", "show", bad.toString()), "bad.profile:", "seq.64KiB");
        assertUserError(Cli.run("devices", "show", "no-such-device"), "no such device profile", "galaxy-s23");
    }

    @Test
    void showResolvesNamesAndFiles() {
        Cli.Run r = Cli.run("devices", "show", "galaxy-s23");
        assertEquals(0, r.exit(), r.err());
        DeviceProfile parsed = ProfileParser.parse(r.out(), "stdout");
        assertEquals(DeviceProfiles.load("galaxy-s23"), parsed);
        assertTrue(r.out().contains("# model: best chunk"), r.out());
    }

    @Test
    void calibrateWritesAParseableProfile() {
        Path out = dir.resolve("profiles/measured.profile");
        Cli.Run r = Cli.run("devices", "calibrate", "--file-size", "4MiB", "--dir", dir.toString(), "--out",
                out.toString(), "--name", "ci-box", "--step-ms", "20", "--allow-page-cache");
        assertEquals(0, r.exit(), r.err());
        DeviceProfile p = ProfileParser.parse(out);
        assertEquals("ci-box", p.name());
        assertEquals(11, p.sequential().size(), "4 KiB .. 4 MiB");
        assertEquals(List.of(1, 4, 16), p.random().stream().map(DeviceProfile.RandPoint::queueDepth).toList());
        assertEquals(p, ProfileParser.parse(r.out(), "stdout"));
        assertTrue(r.err().contains("100%") && r.err().contains("written to " + out), r.err());
        // PoCL is a CPU device: no GPU shares this machine's memory
        assertFalse(p.unifiedMemory());
        assertTrue(r.out().contains("# memory.unified = false: no OpenCL GPU") && !r.out().contains("not probed"), r.out());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("profiles")), files.toList(), "the test file is removed");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void calibrateSavesToTheUserDirectoryByDefault() {
        Cli.Run r = Cli.run("devices", "calibrate", "--file-size", "4MiB", "--dir", dir.toString(), "--name", "mine",
                "--step-ms", "10", "--allow-page-cache");
        assertEquals(0, r.exit(), r.err());
        assertEquals("mine", FlashSettings.profile("mine").name());
    }

    @Test
    void calibrateRejectsBadArguments() {
        assertUserError(Cli.run("devices", "calibrate", "--file-size", "1KiB", "--dir", dir.toString()), "--file-size");
        assertUserError(Cli.run("devices", "calibrate", "--file-size", "big", "--dir", dir.toString()), "--file-size big");
        assertUserError(Cli.run("devices", "calibrate", "--dir", dir.resolve("missing").toString()), "not a directory");
        assertUserError(Cli.run("devices", "calibrate", "--name", "Bad Name", "--dir", dir.toString()), "--name");
    }

    @Test
    void helpListsTheSubcommands() {
        Cli.Run r = Cli.run("devices", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("list") && r.out().contains("calibrate") && r.out().contains("show"), r.out());
    }
}
