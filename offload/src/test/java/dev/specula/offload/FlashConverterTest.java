package dev.specula.offload;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlashConverterTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsResidentTensorsAndBundlesHoldEveryNeuron() {
        Path flash = TestModels.convert(TestModels.TINY_656K_Q8, dir, true, true);
        try (Model dense = ModelLoader.load(TestModels.model(TestModels.TINY_656K_Q8), null, true);
             FlashModel fm = FlashModel.open(flash, true, true);
             Model plain = ModelLoader.load(flash, null, true)) {
            // The ordinary GGUF loader opens the file too: the resident part is plain GGUF.
            assertEquals(dense.config(), plain.config());
            assertFalse(fm.model().has(TensorNames.ffnGate(0)));
            for (Tensor t : dense.tensors().values()) {
                if (!t.name().contains("ffn_gate") && !t.name().contains("ffn_up") && !t.name().contains("ffn_down")) {
                    assertEquals(-1, fm.model().tensor(t.name()).data().mismatch(t.data()), t.name());
                }
            }
            FlashLayout layout = fm.layout();
            assertEquals(0, layout.stride() % 4096, "page-aligned stride");
            assertEquals(dense.tensor(TensorNames.ffnGate(0)).type(), layout.rowType());
            int dim = dense.config().dim();
            int hidden = dense.config().hiddenDim();
            float[] downRow = new float[hidden];
            var down = WeightsFactory.of(dense.tensor(TensorNames.ffnDown(1)));
            long rowBytes = layout.rowBytes(dense.config());
            MemorySegment bundles = fm.mappedBundles(1);
            for (int r = 0; r < dim; r++) {
                down.row(r, downRow, 0);
                for (int i = 0; i < hidden; i++) {
                    assertEquals(downRow[i], bundles.get(F32, i * layout.stride() + 2 * rowBytes + 4L * r),
                            "down[" + r + "][" + i + "]");
                }
            }
            Tensor up = dense.tensor(TensorNames.ffnUp(1));
            for (int i = 0; i < hidden; i++) {
                assertEquals(-1, bundles.asSlice(i * layout.stride() + rowBytes, rowBytes)
                        .mismatch(up.data().asSlice(i * rowBytes, rowBytes)), "up row " + i);
            }
            assertEquals(dense.tokenizer().vocabSize(), fm.model().tokenizer().vocabSize());
        }
    }

    @Test
    void requantizedDownColumnsAreQ8BlocksAlongTheColumn() {
        Path flash = TestModels.convert(TestModels.TINY_656K_Q8, dir, false);
        try (Model dense = ModelLoader.load(TestModels.model(TestModels.TINY_656K_Q8), null, true);
             FlashModel fm = FlashModel.open(flash, true, true)) {
            FlashLayout layout = fm.layout();
            int dim = dense.config().dim();
            int hidden = dense.config().hiddenDim();
            assertEquals(GgmlType.Q8_0, layout.downType());
            assertEquals(3 * GgmlType.Q8_0.bytesFor(dim), layout.stride(), "gate, up and down in Q8_0, unpadded");
            float[][] columns = new float[hidden][dim];
            var down = WeightsFactory.of(dense.tensor(TensorNames.ffnDown(1)));
            float[] row = new float[hidden];
            for (int r = 0; r < dim; r++) {
                down.row(r, row, 0);
                for (int i = 0; i < hidden; i++) {
                    columns[i][r] = row[i];
                }
            }
            // Decoded here from the bytes (fp16 scale, 32 int8 per block): the scale is amax/127 of the
            // dense column's block and each value within half a step of the dense one.
            MemorySegment bundles = fm.mappedBundles(1);
            long downAt = 2 * layout.rowBytes(dense.config());
            for (int i = 0; i < hidden; i++) {
                for (int b = 0; b < dim / 32; b++) {
                    long at = i * layout.stride() + downAt + b * 34L;
                    float d = Float.float16ToFloat(bundles.get(HALF, at));
                    float amax = 0;
                    for (int k = 0; k < 32; k++) {
                        amax = Math.max(amax, Math.abs(columns[i][b * 32 + k]));
                    }
                    assertEquals(amax / 127, d, amax / 127 * 1e-3 + 1e-12, "scale of neuron " + i + " block " + b);
                    for (int k = 0; k < 32; k++) {
                        float value = d * bundles.get(ValueLayout.JAVA_BYTE, at + 2 + k);
                        // Rounded against amax/127, decoded with its fp16 rounding d.
                        double tolerance = amax / 127 * 0.5001 + 127 * Math.abs(d - amax / 127) + 1e-12;
                        assertEquals(columns[i][b * 32 + k], value, tolerance, "down[" + (b * 32 + k) + "][" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void refusesToOverwriteWithoutForce() throws IOException {
        Path target = dir.resolve("x.specula");
        Files.writeString(target, "keep me");
        var options = new FlashConverter.Options(false, false, 0, null, 0, false);
        SpeculaException e = assertThrows(SpeculaException.class,
                () -> FlashConverter.convert(TestModels.model(TestModels.STORIES_260K), target, options, (s, d, t) -> { }));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertEquals("keep me", Files.readString(target));
        FlashConverter.convert(TestModels.model(TestModels.STORIES_260K), target,
                new FlashConverter.Options(false, true, 0, null, 0, false), (s, d, t) -> { });
        assertTrue(FlashModel.isFlashFile(target));
    }

    @Test
    void refusesANegativePredictorRankOrNoCalibrationTokens() {
        SpeculaException rank = assertThrows(SpeculaException.class,
                () -> new FlashConverter.Options(false, false, -3, null, 0, false));
        assertEquals("invalid --predictor-rank -3: must be >= 0 (0 stores none)", rank.getMessage());
        SpeculaException tokens = assertThrows(SpeculaException.class,
                () -> new FlashConverter.Options(false, false, 0, dir.resolve("calibration.txt"), 0, false));
        assertEquals("invalid --calibration-tokens 0: must be >= 1", tokens.getMessage());
    }

    @Test
    void rejectsSourcesThatAreNotDenseGguf() {
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir, false);
        var options = new FlashConverter.Options(false, true, 0, null, 0, false);
        SpeculaException e = assertThrows(SpeculaException.class,
                () -> FlashConverter.convert(flash, dir.resolve("again.specula"), options, (s, d, t) -> { }));
        assertTrue(e.getMessage().contains("already a flash layout"), e.getMessage());
        e = assertThrows(SpeculaException.class, () -> FlashConverter.convert(TestModels.model("stories260K.bin"),
                dir.resolve("b.specula"), options, (s, d, t) -> { }));
        assertTrue(e.getMessage().contains("needs a GGUF model"), e.getMessage());
    }

    @Test
    void aFlippedByteIsReportedWithItsSection() throws IOException {
        Path flash = TestModels.convert(TestModels.STORIES_260K, dir, false);
        long bundle2;
        long resident;
        try (FlashModel fm = FlashModel.open(flash, false, true)) {
            bundle2 = fm.bundleOffset(2) + 1000;
            MemorySegment embedding = fm.model().tensor(TensorNames.TOKEN_EMBEDDING).data();
            resident = fm.bundleOffset(0) - fm.mappedBundles(0).address() + embedding.address() + 12;
        }
        Path bad = dir.resolve("bad-layer.specula");
        Files.copy(flash, bad);
        flip(bad, bundle2);
        // Opening does not read the bundles; the neuron is reported when it is read, with its offset.
        try (FlashModel fm = FlashModel.open(bad, false, true);
             ComputePool pool = new ComputePool(2);
             FlashFeedForward ff = new FlashFeedForward(fm, pool, FlashFeedForward.Options.allActive())) {
            int dim = fm.config().dim();
            ff.forward(0, new float[dim], new float[dim], 1);
            ff.forward(1, new float[dim], new float[dim], 1);
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> ff.forward(2, new float[dim], new float[dim], 1));
            long neuron = (bundle2 - fm.bundleOffset(2)) / fm.layout().stride();
            assertTrue(e.getMessage().contains("checksum mismatch in neuron " + neuron + " of layer 2"), e.getMessage());
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            // A whole-layer check (files without per-neuron checksums get it on open) finds it too.
            e = assertThrows(ModelFormatException.class, fm::verifyBundles);
            assertTrue(e.getMessage().contains("checksum mismatch in section feed-forward bundles of layer 2"), e.getMessage());
        }

        Path badResident = dir.resolve("bad-resident.specula");
        Files.copy(flash, badResident);
        flip(badResident, resident);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> FlashModel.open(badResident, false, true));
        assertTrue(e.getMessage().contains("checksum mismatch in section resident tensors"), e.getMessage());
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x40);
        }
    }
}
