package dev.specula.gpu;

import dev.specula.runtime.engine.CpuAttention;
import dev.specula.runtime.engine.EnsembleDeltaFactory;
import dev.specula.runtime.engine.EnsembleSession;
import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.lora.RandomEnsemble;
import dev.specula.runtime.model.Model;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ensemble's LoRA updates computed by the BGMV kernels on the OpenCL device (PoCL here) give the
 * members the same logits as the CPU path, in prompts (every row one member) and in ensemble decode
 * (row k is member k); the device memory is given back on close.
 */
class GpuEnsembleDeltasTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 300, 395, 342, 267, 289};
    private static final int[] NEXT = {280, 427, 315, 270};

    @Test
    void membersOnTheDeviceMatchTheCpu() {
        OpenClDevice device = Pocl.device();
        try (GpuBackend backend = GpuBackend.open(String.valueOf(device.index())).orElseThrow();
             ComputePool pool = new ComputePool(2);
             Model m = ModelLoader.load(GpuGenerationParityTest.model("stories260K.gguf"), null, false)) {
            LoraEnsemble ensemble = RandomEnsemble.create(m, 3, 4, 8, EnumSet.of(LoraTarget.Q, LoraTarget.V,
                    LoraTarget.DOWN), 7, 0.5);
            Transformer base = new Transformer(m, pool, new DenseFeedForward(m, pool, 8), 8);
            long before = backend.context().deviceBytes();
            float[][] cpu = run(new EnsembleTransformer(base, ensemble, pool, EnsembleDeltaFactory.CPU), pool);
            EnsembleTransformer onDevice = new EnsembleTransformer(base, ensemble, pool, backend.ensembleDeltas());
            assertTrue(backend.context().deviceBytes() > before, "the adapters live on the device");
            float[][] gpu = run(onDevice, pool);
            onDevice.deltas().close();
            assertEquals(before, backend.context().deviceBytes(), "closing gives the device memory back");
            for (int step = 0; step < cpu.length; step++) {
                float spread = 0;
                for (float v : cpu[step]) {
                    spread = Math.max(spread, Math.abs(v));
                }
                for (int i = 0; i < cpu[step].length; i++) {
                    assertEquals(cpu[step][i], gpu[step][i], 1e-4f * spread + 1e-5f, "step " + step + ", logit " + i);
                }
            }
            // The members really differ, so row k getting member k (not another) is checked too.
            int vocab = m.config().vocabSize();
            float[] last = cpu[cpu.length - 1];
            assertTrue(!Arrays.equals(Arrays.copyOfRange(last, 0, vocab), Arrays.copyOfRange(last, vocab, 2 * vocab)));
        }
    }

    /** Members' logits after the prompt (per-member batches), then after each decoded token (row k = member k). */
    private static float[][] run(EnsembleTransformer t, ComputePool pool) {
        float[][] out = new float[1 + NEXT.length][];
        try (EnsembleSession s = t.newSession(CpuAttention.factory(pool), 64)) {
            out[0] = t.forward(s, PROMPT, 0, PROMPT.length).clone();
            for (int i = 0; i < NEXT.length; i++) {
                out[1 + i] = t.forward(s, NEXT, i, 1).clone();
            }
        }
        return out;
    }
}
