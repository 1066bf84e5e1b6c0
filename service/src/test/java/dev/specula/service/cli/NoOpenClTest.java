package dev.specula.service.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A machine without OpenCL, simulated by pointing LWJGL at a missing loader library in a fresh JVM (the
 * loader is resolved once per process): everything runs on the CPU, with one line saying why, never a crash.
 */
class NoOpenClTest {

    record Result(int exit, String out, String err) {
    }

    static Result specula(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dorg.lwjgl.system.memoryBackend=ffm",
                "-Dorg.lwjgl.opencl.libname=/nonexistent/libOpenCL-missing.so",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        var err = p.getErrorStream().readAllBytes();
        var out = p.getInputStream().readAllBytes();
        int exit = p.waitFor();
        return new Result(exit, new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static Path model() {
        Path p = Path.of(System.getProperty("specula.shared", "../shared"), "models", "stories260K.bin");
        assertTrue(Files.exists(p), "shared model missing: " + p);
        return p.toAbsolutePath();
    }

    private static void assertNoCrash(Result r) {
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }

    @Test
    void generationFallsBackToTheCpuWithOneLine() throws Exception {
        Result r = specula("generate", "--model", model().toString(), "--prompt", "Once upon a time",
                "--max-tokens", "16", "--temperature", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(", there was a little girl named Lily."), r.out());
        List<String> gpuLines = r.err().lines().filter(l -> l.startsWith("[gpu]")).toList();
        assertEquals(1, gpuLines.size(), r.err());
        assertTrue(gpuLines.getFirst().contains("no OpenCL platform") && gpuLines.getFirst().contains("attention on the CPU"),
                gpuLines.getFirst());
        assertNoCrash(r);
    }

    @Test
    void devicesCommandsStillWork() throws Exception {
        Result list = specula("devices", "list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains("galaxy-s23"), list.out());
        assertEquals(1, list.out().lines().filter(l -> l.startsWith("OpenCL: no OpenCL platform")).count(), list.out());
        assertNoCrash(list);

        Result bench = specula("devices", "gpu-bench", "--size", "64", "--contexts", "8", "--min-ms", "1", "--json");
        assertEquals(0, bench.exit(), bench.err());
        assertTrue(bench.out().contains("\"device\": \"none\"") && bench.out().contains("\"gpu_seconds\": null"),
                bench.out());
        assertTrue(bench.err().contains("measuring the CPU kernels only"), bench.err());
        assertNoCrash(bench);
    }

    @Test
    void askingForADeviceThatCannotExistIsAUserError() throws Exception {
        Result r = specula("generate", "--model", model().toString(), "--prompt", "x", "--gpu", "0");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("specula: error: --gpu 0: no OpenCL device with index 0"), r.err());
        assertNoCrash(r);
    }
}
