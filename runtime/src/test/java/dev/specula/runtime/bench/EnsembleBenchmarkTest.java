package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.RandomEnsemble;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ensemble's decode figures against its base: what is reported, and what is refused. */
class EnsembleBenchmarkTest {

    @Test
    void reportsTheThreeSpeedsAndTheirRatiosToTheBase(@TempDir Path dir) throws IOException {
        try (ComputePool pool = new ComputePool(2); Engine engine = TinyEngine.open(dir, pool)) {
            LoraEnsemble ensemble = RandomEnsemble.create(engine.model(), 3, 4, 8,
                    EnumSet.of(LoraTarget.Q, LoraTarget.V), 5, 0.1);

            EnsembleBenchmark b = EnsembleBenchmark.run(engine.transformer(), ensemble, engine.attention(), pool, 6, 2);

            assertEquals(3, b.members());
            assertEquals(6, b.tokens());
            for (double speed : new double[] {b.singleTokensPerS(), b.ensembleTokensPerS(), b.naiveTokensPerS()}) {
                assertTrue(speed > 0 && Double.isFinite(speed), b.toString());
            }
            assertEquals(b.ensembleTokensPerS() / b.singleTokensPerS(), b.ensembleRatio(), 1e-12);
            assertEquals(b.naiveTokensPerS() / b.singleTokensPerS(), b.naiveRatio(), 1e-12);
            assertThrows(IllegalArgumentException.class,
                    () -> EnsembleBenchmark.run(engine.transformer(), ensemble, engine.attention(), pool, 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> EnsembleBenchmark.run(engine.transformer(), ensemble, engine.attention(), pool, 6, 0));
        }
    }
}
