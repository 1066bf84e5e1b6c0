package dev.specula.devices;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceRegistryTest {

    @TempDir
    Path dir;

    private static DeviceProfile renamed(String name) {
        return DeviceProfiles.load("pi5-nvme").withName(name);
    }

    @Test
    void userDirectoryFollowsTheEnvironment() {
        assertEquals(Path.of("/p/devs"), DeviceRegistry.userDirectory(Map.of("SPECULA_DEVICES", "/p/devs"), "/home/u"));
        assertEquals(Path.of("/x/specula/devices"), DeviceRegistry.userDirectory(Map.of("XDG_CONFIG_HOME", "/x"), "/home/u"));
        assertEquals(Path.of("/home/u/.config/specula/devices"), DeviceRegistry.userDirectory(Map.of(), "/home/u"));
    }

    @Test
    void resolvesBuiltinUserAndPathInThatOrder() throws IOException {
        DeviceRegistry registry = new DeviceRegistry(dir.resolve("devices"));
        Path saved = registry.save(renamed("my-box"), List.of("test"));
        assertEquals(dir.resolve("devices/my-box.profile"), saved);
        assertEquals("my-box", registry.resolve("my-box").name());
        assertEquals("galaxy-s23", registry.resolve("galaxy-s23").name());
        Path elsewhere = dir.resolve("other.profile");
        ProfileWriter.write(renamed("elsewhere"), elsewhere, List.of());
        assertEquals("elsewhere", registry.resolve(elsewhere.toString()).name());
    }

    @Test
    void unknownNameListsBuiltinAndUserNames() throws IOException {
        DeviceRegistry registry = new DeviceRegistry(dir);
        registry.save(renamed("my-box"), List.of());
        DeviceProfileException e = assertThrows(DeviceProfileException.class, () -> registry.resolve("nope"));
        assertTrue(e.getMessage().contains("galaxy-s23") && e.getMessage().contains("my-box"), e.getMessage());
        assertThrows(DeviceProfileException.class, () -> registry.resolve(dir.toString()));
        assertThrows(DeviceProfileException.class, () -> registry.resolve(" "));
    }

    @Test
    void listingReportsBadUserFilesWithoutHidingGoodOnes() throws IOException {
        DeviceRegistry registry = new DeviceRegistry(dir);
        registry.save(renamed("good"), List.of());
        Files.writeString(dir.resolve("broken.profile"),
                ProfileWriter.toText(renamed("broken")).replaceFirst("dram +=.*", "dram = lots"));
        Files.writeString(dir.resolve("pi5-nvme.profile"), ProfileWriter.toText(DeviceProfiles.load("pi5-nvme")));
        Files.writeString(dir.resolve("mismatch.profile"), ProfileWriter.toText(renamed("other-name")));
        DeviceRegistry.Listing listing = registry.list();
        assertEquals(DeviceProfiles.BUILTIN_NAMES.size() + 1, listing.entries().size());
        assertEquals("good", listing.entries().getLast().profile().name());
        assertEquals(3, listing.problems().size(), listing.problems().toString());
        assertTrue(listing.problems().stream().anyMatch(p -> p.getMessage().contains("broken.profile:5: dram")),
                listing.problems().toString());
        assertTrue(listing.problems().stream().anyMatch(p -> p.getMessage().contains("built-in profile name")));
        assertTrue(listing.problems().stream().anyMatch(p -> p.getMessage().contains("does not match the file name")));
        // a broken file is still an error when named explicitly
        assertThrows(DeviceProfileException.class, () -> registry.resolve("broken"));
    }

    @Test
    void missingUserDirectoryIsJustEmpty() {
        DeviceRegistry registry = new DeviceRegistry(dir.resolve("absent"));
        assertEquals(DeviceProfiles.BUILTIN_NAMES.size(), registry.list().entries().size());
        assertTrue(registry.list().problems().isEmpty());
    }
}
