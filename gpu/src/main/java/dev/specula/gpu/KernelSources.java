package dev.specula.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The OpenCL C sources shipped as resources under {@code dev/specula/gpu/kernels/}. */
public final class KernelSources {

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private KernelSources() {
    }

    /** {@code common.cl} followed by {@code <name>.cl}. */
    public static String program(String name) {
        return CACHE.computeIfAbsent(name, n -> resource("common") + "\n" + resource(n));
    }

    static String resource(String name) {
        String path = "kernels/" + name + ".cl";
        try (InputStream in = KernelSources.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing kernel source " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
