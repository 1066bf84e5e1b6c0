package dev.specula.runtime.format;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.safetensors.HuggingFaceReader;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what a user typed into a model path: an existing file or folder as is, else a name in
 * the models directory, with or without its extension ("stories260K" finds stories260K.gguf).
 */
public final class ModelLocator {
    /** When a name matches several entries, the first of these suffixes wins ("" is a folder or exact name). */
    private static final String[] PREFERENCE = {"", ".gguf", ".bin"};

    private ModelLocator() {
    }

    /**
     * The models directory: {@code $SPECULA_MODELS}, else the {@code specula.models} system
     * property, else {@code <specula.home>/../shared/models} (home defaulting to the working directory).
     */
    public static Path modelsDirectory() {
        String env = System.getenv("SPECULA_MODELS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String property = System.getProperty("specula.models");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        return Path.of(System.getProperty("specula.home", System.getProperty("user.dir")), "..", "shared", "models")
                .normalize();
    }

    public static Path resolve(String nameOrPath) {
        return resolve(nameOrPath, modelsDirectory());
    }

    public static Path resolve(String nameOrPath, Path modelsDir) {
        if (nameOrPath.isBlank()) {
            throw new SpeculaException("no model named: give a model file, folder or name");
        }
        Path asPath = asPath(nameOrPath);
        if (asPath != null && Files.exists(asPath)) {
            return asPath;
        }
        if (asPath != null && asPath.getNameCount() == 1 && Files.isDirectory(modelsDir)) {
            for (boolean ignoreCase : new boolean[] {false, true}) {
                for (String suffix : PREFERENCE) {
                    Path match = find(modelsDir, nameOrPath + suffix, ignoreCase);
                    if (match != null) {
                        return match;
                    }
                }
            }
        }
        List<String> names = available(modelsDir);
        throw new SpeculaException("no model '" + nameOrPath + "': not a file or folder, nor a model in " + modelsDir
                + (names.isEmpty() ? " (none there)" : " (available: " + String.join(", ", names) + ")"));
    }

    /**
     * A model's name as users and files derived from it use it: a file's name without its extension
     * ({@code stories260K.gguf}: {@code stories260K}), a folder's whole name.
     */
    public static String modelName(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && !Files.isDirectory(model) ? name.substring(0, dot) : name;
    }

    /** Entries of {@code modelsDir} that look like models, sorted; empty if the directory does not exist. */
    public static List<String> available(Path modelsDir) {
        List<String> names = new ArrayList<>();
        for (Path p : entries(modelsDir)) {
            String name = p.getFileName().toString();
            boolean model = Files.isDirectory(p) ? Files.isRegularFile(p.resolve(HuggingFaceReader.CONFIG))
                    : name.endsWith(".gguf") || name.endsWith(".bin") && !name.startsWith("tok");
            if (model) {
                names.add(name);
            }
        }
        names.sort(String.CASE_INSENSITIVE_ORDER);
        return names;
    }

    private static Path find(Path dir, String fileName, boolean ignoreCase) {
        for (Path p : entries(dir)) {
            String name = p.getFileName().toString();
            if (ignoreCase ? name.equalsIgnoreCase(fileName) : name.equals(fileName)) {
                return p;
            }
        }
        return null;
    }

    private static List<Path> entries(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(out::add);
        } catch (IOException e) {
            throw new SpeculaException("cannot list the models directory " + dir + ": " + e);
        }
        out.sort(null);
        return out;
    }

    private static Path asPath(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
