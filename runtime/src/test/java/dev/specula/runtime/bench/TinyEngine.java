package dev.specula.runtime.bench;

import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightLayout;
import dev.specula.runtime.synth.SynthModelWriter;
import dev.specula.runtime.synth.SynthQuant;
import dev.specula.runtime.synth.SynthShape;
import java.io.IOException;
import java.nio.file.Path;

/** The benchmarks' test model: two layers of width 64 (ffn 96, 4 heads, 2 kv heads, vocabulary 320), Q8_0 in place. */
final class TinyEngine {

    private TinyEngine() {
    }

    /** Writes the model into {@code dir} and opens it on {@code pool}, with a context of 64 tokens. */
    static Engine open(Path dir, ComputePool pool) throws IOException {
        Path file = dir.resolve("tiny.gguf");
        new SynthModelWriter(new SynthShape("tiny", 64, 2, 4, 2, 96, 320, 64), SynthQuant.Q8_0, 3)
                .write(file, false, n -> { });
        return Engine.dense(ModelLoader.load(file, null), pool, CpuAttention.factory(pool), 64, WeightLayout.MAPPED);
    }
}
