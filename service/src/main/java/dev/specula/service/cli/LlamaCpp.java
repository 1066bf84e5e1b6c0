package dev.specula.service.cli;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * llama.cpp run on the same machine and GGUF file, the baseline Specula is measured against: node-llama-cpp's
 * prebuilt CPU build (the variant for this CPU, AVX-512 VNNI included where there is one), driven by
 * {@code tools/llama-cpp/llama-cpp.mjs} in a child process. {@code tools/llama-cpp/install} puts it there from
 * the npm registry; nothing is downloaded at run time.
 */
public final class LlamaCpp {

    /** What {@link #bench} measured; the prompt's time includes its first token, as Specula's bench's does. */
    public record Timing(String engine, String cpuBackend, double promptTokensPerSecond, double decodeTokensPerSecond,
                         List<Integer> decoded) {
    }

    private final Path script;

    private LlamaCpp(Path script) {
        this.script = script;
    }

    /** The tool installed in {@code dir}, or an error that says how to install it. */
    public static LlamaCpp at(Path dir) {
        if (!installed(dir)) {
            throw new SpeculaException("the llama.cpp baseline is not installed in " + dir + ": run "
                    + dir.resolve("install") + " (needs Node.js 20 or later and npm)");
        }
        return new LlamaCpp(dir.resolve("llama-cpp.mjs"));
    }

    /** {@code tools/llama-cpp} of the Specula checkout this runs from ({@code specula.home}, set by the launcher). */
    public static Path defaultDir() {
        String home = System.getProperty("specula.home");
        return (home == null ? Path.of("") : Path.of(home)).toAbsolutePath().resolve("tools").resolve("llama-cpp");
    }

    /** Whether {@link #at} would find the tool installed in {@code dir}. */
    public static boolean installed(Path dir) {
        return Files.isDirectory(dir.resolve("node_modules").resolve("node-llama-cpp"))
                && Files.isRegularFile(dir.resolve("llama-cpp.mjs"));
    }

    /** {@code prompt} in one batch, then {@code gen} greedy tokens one at a time, after an untimed warm-up. */
    public Timing bench(Path model, int threads, int[] prompt, int gen) {
        Map<String, Object> out = run("bench", "--model", model.toString(), "--threads", Integer.toString(threads),
                "--tokens", join(prompt), "--gen", Integer.toString(gen));
        return new Timing((String) out.get("engine"), (String) out.get("cpu_backend"),
                number(out, "prompt_tokens_per_second"), number(out, "decode_tokens_per_second"),
                ints((List<?>) out.get("decoded_tokens")));
    }

    /** The logits llama.cpp computes after each of {@code tokens}, evaluated as one batch. */
    public float[][] logits(Path model, int[] tokens) {
        List<?> rows = (List<?>) run("logits", "--model", model.toString(), "--tokens", join(tokens)).get("logits");
        float[][] logits = new float[rows.size()][];
        for (int i = 0; i < logits.length; i++) {
            List<?> row = (List<?>) rows.get(i);
            logits[i] = new float[row.size()];
            for (int t = 0; t < row.size(); t++) {
                logits[i][t] = ((Number) row.get(t)).floatValue();
            }
        }
        return logits;
    }

    /** llama.cpp's token ids for each of {@code texts}: no BOS, special-token text taken literally. */
    public List<int[]> tokenize(Path model, List<String> texts) {
        Path file = null;
        try {
            file = Files.createTempFile("specula-texts", ".json");
            Files.writeString(file, texts.stream().map(Json::quote).collect(Collectors.joining(",", "[", "]")));
            List<?> rows = (List<?>) run("tokenize", "--model", model.toString(), "--texts-file", file.toString())
                    .get("tokens");
            return rows.stream().map(r -> ints((List<?>) r).stream().mapToInt(Integer::intValue).toArray()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                file.toFile().delete();
            }
        }
    }

    private Map<String, Object> run(String... args) {
        List<String> command = new ArrayList<>(List.of("node", script.toString()));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new SpeculaException("cannot start the llama.cpp baseline (is Node.js on the PATH?): " + e.getMessage());
        }
        // stderr drained beside stdout: a child blocked on a full pipe would never exit
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        try {
            int status = p.waitFor();
            if (status != 0) {
                throw new SpeculaException("llama.cpp (" + args[0] + " " + args[2] + ") failed with status " + status
                        + ": " + errors.join().strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SpeculaException("interrupted while llama.cpp ran");
        }
        return Json.parseObject(out.strip());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String join(int[] tokens) {
        return IntStream.of(tokens).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static double number(Map<String, Object> out, String key) {
        return ((Number) out.get(key)).doubleValue();
    }

    private static List<Integer> ints(List<?> values) {
        return values.stream().map(v -> ((Number) v).intValue()).toList();
    }
}
