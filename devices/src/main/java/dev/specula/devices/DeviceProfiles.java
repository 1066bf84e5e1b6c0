package dev.specula.devices;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The device profiles shipped with Specula, and lookup by name or path. */
public final class DeviceProfiles {

    /** Names of the shipped profiles; each is the resource {@code profiles/<name>.profile}. */
    public static final List<String> BUILTIN_NAMES = List.of(
            "galaxy-s23",
            "pi5-microsd",
            "pi5-nvme",
            "pi5-nvme-gen3",
            "jetson-orin-nano-nvme",
            "macbook-pro-m2");

    private static final String RESOURCE_DIR = "profiles/";

    private static volatile List<DeviceProfile> builtin;

    private DeviceProfiles() {
    }

    /** The shipped profiles, in {@link #BUILTIN_NAMES} order. */
    public static List<DeviceProfile> builtin() {
        List<DeviceProfile> result = builtin;
        if (result == null) {
            List<DeviceProfile> list = new ArrayList<>();
            for (String name : BUILTIN_NAMES) {
                list.add(loadResource(name));
            }
            result = List.copyOf(list);
            builtin = result;
        }
        return result;
    }

    /** The raw text of a shipped profile, comments included (for {@code specula devices show}). */
    public static String builtinText(String name) {
        if (!BUILTIN_NAMES.contains(name)) {
            throw unknown(name);
        }
        String resource = RESOURCE_DIR + name + ".profile";
        try (InputStream in = DeviceProfiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new DeviceProfileException(resource, 0, null, "built-in profile resource is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DeviceProfileException(resource, 0, null, "cannot read: " + e, e);
        }
    }

    private static DeviceProfile loadResource(String name) {
        DeviceProfile p = ProfileParser.parse(builtinText(name), "builtin:" + name + ".profile");
        if (!p.name().equals(name)) {
            throw new DeviceProfileException("builtin:" + name + ".profile", 0, "name",
                    "name '" + p.name() + "' does not match the file name");
        }
        return p;
    }

    /**
     * A built-in profile by name, else the profile file at that path. An unknown name that is not
     * an existing file is an error listing the built-in names.
     */
    public static DeviceProfile load(String nameOrPath) {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw unknown(String.valueOf(nameOrPath));
        }
        String key = nameOrPath.strip();
        for (DeviceProfile p : builtin()) {
            if (p.name().equals(key)) {
                return p;
            }
        }
        Path path;
        try {
            path = Path.of(key);
        } catch (RuntimeException e) {
            throw unknown(key);
        }
        if (Files.isRegularFile(path)) {
            return ProfileParser.parse(path);
        }
        throw unknown(key);
    }

    private static DeviceProfileException unknown(String key) {
        return new DeviceProfileException(key, 0, null, "no such device profile; built-in profiles: "
                + String.join(", ", BUILTIN_NAMES) + " (or give the path of a .profile file)");
    }
}
