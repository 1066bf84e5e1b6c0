package dev.specula.offload;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BundleReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsExactlyTheRequestedBundlesInFewReads() throws IOException {
        int stride = 1000;
        int neurons = 300;
        long base = 12288;
        byte[] file = new byte[(int) (base + (long) stride * neurons + 4096)];
        for (int i = 0; i < neurons; i++) {
            for (int b = 0; b < stride; b++) {
                file[(int) (base + (long) i * stride + b)] = (byte) (i * 31 + b);
            }
        }
        Path path = dir.resolve("bundles.bin");
        Files.write(path, file);
        int[] wanted = {3, 4, 5, 6, 7, 100, 101, 250};
        Map<Integer, byte[]> got = new HashMap<>();
        try (BundleReader reader = new BundleReader(path, neurons, stride, 64 * 1024, 4, 1 << 20, null)) {
            reader.read(base, wanted, wanted.length, (neuron, staging, offset) ->
                    got.put(neuron, staging.asSlice(offset, stride).toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(3, reader.reads(), "runs 3-7, 100-101 and 250");
            for (int n : wanted) {
                byte[] expected = MemorySegment.ofArray(file).asSlice(base + (long) n * stride, stride).toArray(ValueLayout.JAVA_BYTE);
                assertEquals(-1, MemorySegment.ofArray(expected).mismatch(MemorySegment.ofArray(got.get(n))), "neuron " + n);
            }
        }
    }
}
