package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.kernel.ComputePool;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decode tokens taking turns with reads of the weights they multiply: what is timed, and how it is reported. */
class DecodeRooflineTest {

    @Test
    void timesEachTokenAndEachReadOfTheModelsMatrices(@TempDir Path dir) throws IOException {
        try (ComputePool pool = new ComputePool(2); Engine engine = TinyEngine.open(dir, pool)) {
            WeightStream stream = new WeightStream(pool, engine.transformer().matrices());
            DecodeRoofline r = DecodeRoofline.measure(engine.transformer(), engine.attention(), stream, 8, 5, 1);

            assertEquals(5, r.tokens());
            // 2 layers of q, k, v, o (64x64, 32x64 twice, 64x64), gate, up and down (96x64), and the 320-row head,
            // as Q8_0 in place: 34 bytes per 32 values
            long values = 2L * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 96) + 320L * 64;
            assertEquals(values / 32 * 34, r.streamBytes());
            assertEquals(r.streamBytes(), stream.bytes());
            assertTrue(r.bestTokenSeconds() > 0 && r.bestTokenSeconds() <= r.medianTokenSeconds(), r.toString());
            assertTrue(r.bestPassSeconds() > 0 && r.bestPassSeconds() <= r.medianPassSeconds(), r.toString());
            assertEquals(100 * r.medianPassSeconds() / r.medianTokenSeconds(), r.percent(), 1e-9);
            assertEquals(100 * r.bestPassSeconds() / r.bestTokenSeconds(), r.bestPercent(), 1e-9);
            assertEquals(r.streamBytes() / r.medianPassSeconds(), r.streamBytesPerSecond(), 1e-6);
            assertThrows(IllegalArgumentException.class,
                    () -> DecodeRoofline.measure(engine.transformer(), engine.attention(), stream, 8, 0, 1));
        }
    }
}
