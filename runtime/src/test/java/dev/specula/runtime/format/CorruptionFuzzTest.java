package dev.specula.runtime.format;

import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.format.gguf.GgufModelReader;
import dev.specula.runtime.format.llama2c.Llama2cReader;
import dev.specula.runtime.format.safetensors.SafetensorsFile;
import dev.specula.runtime.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Random damage to small valid files: every outcome must be a successful load or a
 * {@link ModelFormatException}, never another exception (the contract every reader promises).
 */
class CorruptionFuzzTest {
    private static final long[] NASTY = {0, 1, -1, 2, 3, 4, 31, 32, 33, 255, 65535, Integer.MAX_VALUE,
            0xFFFF_FFFFL, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40};

    @Test
    void damagedGgufFiles() throws IOException {
        fuzz(TestFiles.tinyLlamaGguf(8, GgmlType.F32), 4000, r -> GgufModelReader.read(GgufFile.read(r)));
    }

    @Test
    void damagedLlama2cFiles() {
        int[] header = {8, 16, 1, 2, 1, 4, 3};
        int floats = 4 * 8 + (8 + 64 + 32 + 32 + 64 + 8 + 3 * 128) + 8 + 3 * 4;
        fuzz(TestFiles.floatsLE(header, new float[floats]), 2000, Llama2cReader::read);
    }

    @Test
    void damagedSafetensorsFiles() {
        byte[] json = ("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                + "\"data_offsets\":[0,24]},\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] file = ByteBuffer.allocate(8 + json.length + 32).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).array();
        fuzz(file, 4000, SafetensorsFile::read);
    }

    private static void fuzz(byte[] valid, int rounds, Consumer<SegmentReader> read) {
        Random random = new Random(42);
        for (int round = 0; round < rounds; round++) {
            byte[] damaged = valid.clone();
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(damaged.length);
                if (random.nextBoolean() && at + 8 <= damaged.length) {
                    long v = NASTY[random.nextInt(NASTY.length)];
                    ByteBuffer b = ByteBuffer.wrap(damaged).order(ByteOrder.LITTLE_ENDIAN);
                    if (random.nextBoolean()) {
                        b.putLong(at, v);
                    } else {
                        b.putInt(at, (int) v);
                    }
                } else {
                    damaged[at] = (byte) random.nextInt(256);
                }
            }
            int length = random.nextInt(8) == 0 ? random.nextInt(damaged.length) : damaged.length;
            try {
                read.accept(TestFiles.reader(damaged, length));
            } catch (ModelFormatException expected) {
                // fine: a clear error
            } catch (RuntimeException | Error other) {
                throw new AssertionError("round " + round + " threw " + other, other);
            }
        }
    }
}
