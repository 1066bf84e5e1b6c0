package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No per-token allocation once compiled: a decode step, single or ensemble, allocates next to nothing on the
 * heap (see the limit).
 * What this guards against is a vector boxed where C2 stopped inlining: one call out of line in a kernel
 * allocated about 100 bytes per weight row, megabytes per token, and a young collection every few tokens.
 * Each type runs in a fresh JVM, like a served model, since which calls C2 inlines depends on what else ran;
 * it gets 30 s per mode to compile (about 1.5 s here), so a failure costs at most a minute per type.
 */
class DecodeAllocationTest {

    /**
     * Far below a boxed vector per row (this model has about 4500 rows per token). Not zero: most runs end at
     * 0-300 bytes per token, but some leave attention's softmax over this probe's few positions on the
     * Vector API's slow path for a while (about 6 KB per token seen with Q8_0).
     */
    private static final long LIMIT_BYTES_PER_TOKEN = 16 * 1024;

    @ParameterizedTest
    @EnumSource(SynthQuant.class)
    void decodingAllocatesNothingPerTokenOnceCompiled(SynthQuant quant, @TempDir Path dir)
            throws IOException, InterruptedException {
        Path model = dir.resolve(quant + ".gguf");
        // 43 blocks of 32 per down row (an odd last block) where the type allows it; k-quants need whole super-blocks.
        int ffn = quant.type().blockSize() == 256 ? 1536 : 1376;
        new SynthModelWriter(new SynthShape("probe", 512, 2, 8, 4, ffn, 1024, 64), quant, 3).write(model, false, n -> { });
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-Xss4m"));
        command.addAll(vectorWidthFlags());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                DecodeAllocationProbe.class.getName(), model.toString(), "30", Long.toString(LIMIT_BYTES_PER_TOKEN)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Map<String, Long> perToken = out.lines().filter(l -> l.matches("(single|ensemble) \\d+"))
                .collect(Collectors.toMap(l -> l.split(" ")[0], l -> Long.parseLong(l.split(" ")[1])));
        assertEquals(2, perToken.size(), out);
        perToken.forEach((mode, bytes) -> assertTrue(bytes <= LIMIT_BYTES_PER_TOKEN,
                quant + " " + mode + " decode allocated " + bytes + " bytes per token at best\n" + out));
    }

    /**
     * This JVM's flags that narrow its vectors (run with {@code -XX:MaxVectorSize=16} to stand in for an
     * Arm core's 128-bit NEON, or {@code -XX:UseAVX=2}), so the probe checks the kernels at the same width.
     */
    private static List<String> vectorWidthFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:MaxVectorSize=") || a.startsWith("-XX:UseAVX=")).toList();
    }
}
