package dev.specula.runtime.lora;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.safetensors.SafetensorsFile;
import dev.specula.runtime.format.safetensors.SafetensorsWriter;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraFilesTest {
    static final ModelConfig CONFIG = new ModelConfig(8, 12, 2, 2, 1, 10, 16, 1e-5f, 10000, RopeStyle.INTERLEAVED);

    @TempDir
    Path dir;

    static LoraEnsemble ensemble(ModelConfig c, int members, EnumSet<LoraTarget> targets) {
        Random random = new Random(7);
        List<LoraAdapter> adapters = new java.util.ArrayList<>();
        for (int k = 0; k < members; k++) {
            adapters.add(LoraAdapter.random(c, 3, 6, targets, random, 0.5, 0.5));
        }
        double[] priors = new double[members];
        for (int k = 0; k < members; k++) {
            priors[k] = k == 1 ? 2 : 1;
        }
        return new LoraEnsemble(adapters, priors, "tiny.gguf", Map.of("epochs", "3", "seed", "42"));
    }

    @Test
    void ensembleFileRoundTripsEveryValueAndField() {
        LoraEnsemble e = ensemble(CONFIG, 3, EnumSet.allOf(LoraTarget.class));
        Path file = dir.resolve("e" + EnsembleFile.SUFFIX);
        EnsembleFile.write(file, e);
        LoraEnsemble back = EnsembleFile.read(file, CONFIG);
        assertEquals(3, back.size());
        assertArrayEquals(new double[]{0.25, 0.5, 0.25}, back.priors(), 1e-12);
        assertEquals(3, back.rank());
        assertEquals(6f, back.alpha());
        assertEquals(Map.of("epochs", "3", "seed", "42"), back.training());
        assertEquals("tiny.gguf", back.baseModel());
        for (int k = 0; k < 3; k++) {
            for (int l = 0; l < CONFIG.layers(); l++) {
                for (LoraTarget t : LoraTarget.values()) {
                    assertArrayEquals(e.member(k).a(t, l), back.member(k).a(t, l));
                    assertArrayEquals(e.member(k).b(t, l), back.member(k).b(t, l));
                }
            }
        }
    }

    @Test
    void ensembleForAnotherBaseIsRejectedNamingTheField() {
        Path file = dir.resolve("e" + EnsembleFile.SUFFIX);
        EnsembleFile.write(file, ensemble(CONFIG, 3, EnumSet.of(LoraTarget.Q)));
        ModelConfig wider = new ModelConfig(16, 12, 2, 2, 1, 10, 16, 1e-5f, 10000, RopeStyle.INTERLEAVED);
        SpeculaException ex = assertThrows(SpeculaException.class, () -> EnsembleFile.read(file, wider));
        assertTrue(ex.getMessage().contains("base_dim is 8 but the base model has 16"), ex.getMessage());
    }

    @Test
    void wronglyShapedTensorIsRejectedNamingIt() {
        Path file = dir.resolve("bad" + EnsembleFile.SUFFIX);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", EnsembleFile.FORMAT).metadata("version", "1")
                .metadata("members", "1").metadata("rank", "2").metadata("lora_alpha", "4").metadata("targets", "v")
                .metadata("priors", "1").metadata("base_dim", "8").metadata("base_layers", "2").metadata("base_vocab", "10");
        for (int l = 0; l < 2; l++) {
            w.addF32(EnsembleFile.tensorName(0, l, LoraTarget.V, false), new float[2 * 8], 2, 8);
            // v outputs kvDim = 4 rows; 8 is the mistake.
            w.addF32(EnsembleFile.tensorName(0, l, LoraTarget.V, true), new float[8 * 2], 8, 2);
        }
        w.write(file);
        SpeculaException ex = assertThrows(SpeculaException.class, () -> EnsembleFile.read(file, CONFIG));
        assertTrue(ex.getMessage().contains("tensor m0.blk.0.v.lora_b has shape [8, 2]")
                && ex.getMessage().contains("needs [4, 2]"), ex.getMessage());
    }

    @Test
    void peftRoundTripPermutesQAndKRowsToRotateHalfOnDisk() {
        LoraAdapter adapter = ensemble(CONFIG, 1, EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.DOWN)).member(0);
        Path folder = dir.resolve("peft");
        PeftAdapter.write(folder, adapter, "tiny.gguf");
        LoraAdapter back = PeftAdapter.read(folder, CONFIG);
        assertEquals(adapter.rank(), back.rank());
        assertEquals(adapter.alpha(), back.alpha());
        assertEquals(adapter.targets(), back.targets());
        for (int l = 0; l < CONFIG.layers(); l++) {
            for (LoraTarget t : adapter.targets()) {
                assertArrayEquals(adapter.a(t, l), back.a(t, l));
                assertArrayEquals(adapter.b(t, l), back.b(t, l));
            }
        }
        try (Arena arena = Arena.ofShared()) {
            var tensors = SafetensorsFile.read(folder.resolve(PeftAdapter.WEIGHTS), arena).tensors();
            // q: 2 heads of 4 rows; interleaved row 1 of head 0 (pair 0, second) is half-layout row 2.
            Weights onDisk = WeightsFactory.of(tensors.get(PeftAdapter.tensorName(0, LoraTarget.Q, true)));
            float[] row = new float[3];
            onDisk.row(2, row, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(adapter.b(LoraTarget.Q, 0), 3, 6), row);
            Weights down = WeightsFactory.of(tensors.get(PeftAdapter.tensorName(0, LoraTarget.DOWN, true)));
            down.row(2, row, 0);
            assertArrayEquals(java.util.Arrays.copyOfRange(adapter.b(LoraTarget.DOWN, 0), 6, 9), row);
        }
    }

    @Test
    void peftAdapterWithAnUnsupportedModuleIsRejected() throws Exception {
        Path folder = dir.resolve("peft");
        PeftAdapter.write(folder, ensemble(CONFIG, 1, EnumSet.of(LoraTarget.V)).member(0), "tiny");
        Files.writeString(folder.resolve(PeftAdapter.CONFIG),
                "{\"peft_type\":\"LORA\",\"r\":3,\"lora_alpha\":6,\"target_modules\":[\"v_proj\",\"lm_head\"]}");
        SpeculaException ex = assertThrows(SpeculaException.class, () -> PeftAdapter.read(folder, CONFIG));
        assertTrue(ex.getMessage().contains("lm_head"), ex.getMessage());
    }

    /** The permutation agrees with llama.cpp's converter: HF W_q of the 656K model, permuted, is the GGUF's W_q. */
    @Test
    void ropePermutationMatchesTheGgufConversionOfARealModel() {
        Path shared = Path.of(System.getProperty("specula.shared", "../shared"), "models");
        try (Model hf = ModelLoader.load(shared.resolve("tinystories-656k"), null, false);
             Model gguf = ModelLoader.load(shared.resolve("TinyStories-656K-Q8_0.gguf"), null, false)) {
            ModelConfig c = hf.config();
            for (String name : List.of(TensorNames.attnQ(0), TensorNames.attnK(1))) {
                int heads = name.contains("attn_q") ? c.heads() : c.kvHeads();
                float[] half = dense(WeightsFactory.of(hf.tensor(name)));
                float[] expected = dense(WeightsFactory.of(gguf.tensor(name)));
                float[] permuted = RopePermutation.halfToInterleaved(half, heads, c.dim());
                assertArrayEquals(half, RopePermutation.interleavedToHalf(permuted, heads, c.dim()));
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < expected.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
                    maxErr = Math.max(maxErr, Math.abs(expected[i] - permuted[i]));
                }
                // Q8_0 keeps ~1/127 of each block's maximum; an unpermuted matrix is off by O(maxAbs).
                assertTrue(maxErr < maxAbs * 0.02, name + ": max error " + maxErr + " of " + maxAbs);
            }
        }
    }

    private static float[] dense(Weights w) {
        float[] m = new float[w.rows() * w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.row(r, m, r * w.cols());
        }
        return m;
    }
}
