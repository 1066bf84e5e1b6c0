package dev.specula.devices;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The built-in device profiles plus the user's own (calibrated or hand-written) {@code .profile}
 * files, and what {@code --device PROFILE} means: a built-in name, a user profile name, or a path.
 *
 * <p>User profiles live in the directory named by the system property {@code specula.devices} or
 * {@code $SPECULA_DEVICES} if set, else {@code $XDG_CONFIG_HOME/specula/devices},
 * else {@code ~/.config/specula/devices}; a user profile is the file {@code <name>.profile} there.
 * Built-in names win: a user file that reuses one is reported as a problem, never silently used.
 */
public final class DeviceRegistry {

    /** Environment variable naming the user profile directory. */
    public static final String ENV = "SPECULA_DEVICES";
    /** System property naming the user profile directory (takes precedence over {@link #ENV}). */
    public static final String PROPERTY = "specula.devices";
    public static final String EXTENSION = ".profile";

    private final Path userDirectory;

    /** Where a profile came from: {@code built-in} or the file it was read from. */
    public record Entry(DeviceProfile profile, String origin) {
    }

    /** Every readable profile, and one problem per user file that could not be used. */
    public record Listing(List<Entry> entries, List<DeviceProfileException> problems) {
        public Listing {
            entries = List.copyOf(entries);
            problems = List.copyOf(problems);
        }
    }

    public DeviceRegistry(Path userDirectory) {
        this.userDirectory = userDirectory;
    }

    /** The registry for this process's environment and user. */
    public static DeviceRegistry fromEnvironment() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return new DeviceRegistry(Path.of(property));
        }
        return new DeviceRegistry(userDirectory(System.getenv(), System.getProperty("user.home")));
    }

    static Path userDirectory(Map<String, String> env, String userHome) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path config = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(userHome, ".config");
        return config.resolve("specula").resolve("devices");
    }

    public Path userDirectory() {
        return userDirectory;
    }

    /** The built-in profiles, then the user's in file-name order; unusable user files become problems. */
    public Listing list() {
        List<Entry> entries = new ArrayList<>();
        for (DeviceProfile p : DeviceProfiles.builtin()) {
            entries.add(new Entry(p, "built-in"));
        }
        List<DeviceProfileException> problems = new ArrayList<>();
        for (Path file : userFiles(problems)) {
            try {
                DeviceProfile p = readUserFile(file);
                if (DeviceProfiles.BUILTIN_NAMES.contains(p.name())) {
                    problems.add(new DeviceProfileException(file.toString(), 0, "name",
                            "'" + p.name() + "' is a built-in profile name; rename this profile"));
                } else {
                    entries.add(new Entry(p, file.toString()));
                }
            } catch (DeviceProfileException e) {
                problems.add(e);
            }
        }
        return new Listing(entries, problems);
    }

    /**
     * What {@code --device} names: a built-in profile, a user profile ({@code <dir>/<name>.profile}),
     * or the path of a profile file. Anything else is an error listing the names that would work.
     */
    public DeviceProfile resolve(String nameOrPath) {
        String key = nameOrPath == null ? "" : nameOrPath.strip();
        if (key.isEmpty()) {
            throw new DeviceProfileException("--device", 0, null, "empty device profile name");
        }
        if (DeviceProfiles.BUILTIN_NAMES.contains(key)) {
            return DeviceProfiles.load(key);
        }
        if (DeviceProfile.NAME.matcher(key).matches()) {
            Path user = userDirectory.resolve(key + EXTENSION);
            if (Files.isRegularFile(user)) {
                return readUserFile(user);
            }
        }
        Path path = asPath(key);
        if (path != null && Files.isRegularFile(path)) {
            return ProfileParser.parse(path);
        }
        if (path != null && Files.exists(path)) {
            throw new DeviceProfileException(key, 0, null, "not a regular file");
        }
        throw new DeviceProfileException(key, 0, null, "no such device profile; known profiles: "
                + String.join(", ", knownNames()) + " (or give the path of a .profile file)");
    }

    /** Writes {@code profile} as {@code <dir>/<name>.profile}, creating the directory; returns the file. */
    public Path save(DeviceProfile profile, List<String> comments) throws IOException {
        Files.createDirectories(userDirectory);
        Path file = userDirectory.resolve(profile.name() + EXTENSION);
        ProfileWriter.write(profile, file, comments);
        return file;
    }

    private List<String> knownNames() {
        TreeSet<String> user = new TreeSet<>();
        for (Path file : userFiles(new ArrayList<>())) {
            String name = file.getFileName().toString();
            user.add(name.substring(0, name.length() - EXTENSION.length()));
        }
        user.removeAll(DeviceProfiles.BUILTIN_NAMES);
        List<String> names = new ArrayList<>(DeviceProfiles.BUILTIN_NAMES);
        names.addAll(user);
        return names;
    }

    /** A user file whose profile name differs from its file name would resolve by one name and list by another. */
    private static DeviceProfile readUserFile(Path file) {
        DeviceProfile p = ProfileParser.parse(file);
        String fileName = file.getFileName().toString();
        String expected = fileName.substring(0, fileName.length() - EXTENSION.length());
        if (!p.name().equals(expected)) {
            throw new DeviceProfileException(file.toString(), 0, "name",
                    "profile name '" + p.name() + "' does not match the file name (expected '" + expected + "')");
        }
        return p;
    }

    private List<Path> userFiles(List<DeviceProfileException> problems) {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(userDirectory)) {
            return files;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(userDirectory, "*" + EXTENSION)) {
            for (Path p : dir) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            problems.add(new DeviceProfileException(userDirectory.toString(), 0, null, "cannot list: " + e, e));
        }
        files.sort(null);
        return files;
    }

    private static Path asPath(String key) {
        try {
            return Path.of(key);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
