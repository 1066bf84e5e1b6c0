package dev.specula.offload;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.DenseFeedForward;
import dev.specula.runtime.format.ModelLoader;
import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.format.gguf.GgufModelReader;
import dev.specula.runtime.format.gguf.GgufValueType;
import dev.specula.runtime.format.gguf.GgufWriter;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.RowEncoder;
import dev.specula.runtime.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;

/**
 * Converts a dense GGUF model into the flash layout ({@link FlashLayout}): resident tensors as
 * they are, low-rank predictor factors, and per layer the neuron bundles. Predictor thresholds are
 * calibrated on a text when one is given. The file is written beside the target and moved into
 * place at the end, so an interrupted conversion never leaves a truncated model behind.
 */
public final class FlashConverter {
    /**
     * The predictor only ranks neurons against a threshold, so 8-bit factors lose nothing that matters
     * and take a quarter of F32's memory and per-token bytes; rows that are not whole Q8_0 blocks
     * (ranks below 32 on small models) are stored as F16.
     */
    static GgmlType predictorType(int rowLength) {
        return rowLength % GgmlType.Q8_0.blockSize() == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }

    /**
     * @param rank              low-rank predictor rank; -1 picks dim/4 (at least 4, at most 128); 0 stores none
     * @param calibrationText   text whose first {@code calibrationTokens} tokens calibrate thresholds, or null
     * @param exactDown         store block-quantized down columns as exact F32 instead of requantizing them
     */
    public record Options(boolean pageAlign, boolean force, int rank, Path calibrationText, int calibrationTokens,
                          boolean exactDown) {
        public Options {
            if (rank < -1) {
                throw new SpeculaException("invalid --predictor-rank " + rank + ": must be >= 0 (0 stores none)");
            }
            if (calibrationText != null && calibrationTokens < 1) {
                throw new SpeculaException("invalid --calibration-tokens " + calibrationTokens + ": must be >= 1");
            }
        }
    }

    /** Told the progress of each stage. */
    public interface Progress {
        void update(String stage, long done, long total);
    }

    private FlashConverter() {
    }

    public static void convert(Path source, Path target, Options options, Progress progress) {
        if (Files.exists(target) && !options.force()) {
            throw new SpeculaException(target + " already exists; pass --force to overwrite it");
        }
        String calibration = options.calibrationText() == null ? null : readText(options.calibrationText());
        try (Model model = ModelLoader.load(source, null, calibration != null)) {
            if (!model.format().equals("gguf")) {
                throw new SpeculaException(source + ": convert needs a GGUF model (this is " + model.format() + ")");
            }
            if (model.metadata().get(GgufModelReader.FFN_EXTERNAL) instanceof Boolean b && b) {
                throw new SpeculaException(source + ": already a flash layout file");
            }
            new Conversion(model, options, progress).write(target, calibration);
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new SpeculaException(file + ": cannot read calibration text: " + e.getMessage());
        }
    }

    private static final class Conversion {
        private final Model model;
        private final ModelConfig c;
        private final Options options;
        private final Progress progress;
        private final GgmlType rowType;
        private final GgmlType downType;
        private final long stride;
        private final int rank;

        Conversion(Model model, Options options, Progress progress) {
            this.model = model;
            this.c = model.config();
            this.options = options;
            this.progress = progress;
            this.rowType = model.tensor(TensorNames.ffnGate(0)).type();
            for (int l = 0; l < c.layers(); l++) {
                for (String name : List.of(TensorNames.ffnGate(l), TensorNames.ffnUp(l))) {
                    if (model.tensor(name).type() != rowType) {
                        throw new SpeculaException(model.source() + ": tensor " + name + " is " + model.tensor(name).type()
                                + " but " + TensorNames.ffnGate(0) + " is " + rowType
                                + "; bundles need one gate/up type in every layer");
                    }
                }
            }
            // Down columns are re-encoded anyway, so a mix's layers (Q4_K_M: Q4_K and Q6_K) share its widest type.
            GgmlType widest = IntStream.range(0, c.layers()).mapToObj(l -> model.tensor(TensorNames.ffnDown(l)).type())
                    .max(Comparator.comparingDouble(GgmlType::bitsPerValue)).orElseThrow();
            this.downType = FlashLayout.downTypeFor(widest, c.dim(), options.exactDown());
            long bytes = FlashLayout.bundleBytes(c, rowType, downType);
            this.stride = options.pageAlign() ? align(bytes, FlashLayout.PAGE) : bytes;
            int requested = options.rank() < 0 ? Math.clamp(c.dim() / 4, 4, 128) : options.rank();
            this.rank = Math.min(requested, Math.min(c.dim(), c.hiddenDim()));
        }

        void write(Path target, String calibration) {
            Map<String, MemorySegment> predictor = lowRankFactors();
            long[] layerCrcs = new long[c.layers()];
            long[] neuronCrcs = new long[c.layers() * c.hiddenDim()];
            MemorySegment bundles = MemorySegment.ofArray(new byte[Math.toIntExact(stride * c.hiddenDim())]);
            for (int l = 0; l < c.layers(); l++) {
                bundles.fill((byte) 0);
                BundleCodec.encode(model, l, downType, stride, bundles);
                layerCrcs[l] = Checksums.of(bundles);
                for (int i = 0; i < c.hiddenDim(); i++) {
                    neuronCrcs[l * c.hiddenDim() + i] = Checksums.of(bundles.asSlice(i * stride, stride));
                }
                progress.update("checksum", l + 1, c.layers());
            }
            Map<String, Tensor> resident = residentTensors(predictor);
            CRC32C residentCrc = new CRC32C();
            resident.values().forEach(t -> Checksums.update(residentCrc, t.data()));

            Path temp = target.resolveSibling(target.getFileName() + ".partial");
            try (GgufWriter w = GgufWriter.create(temp)) {
                MetadataCopy.copy(model.metadata(), w);
                w.putUInt32(GgufFile.ALIGNMENT_KEY, FlashLayout.PAGE);
                w.putBool(GgufModelReader.FFN_EXTERNAL, true);
                w.putUInt32(FlashLayout.K_VERSION, FlashLayout.VERSION);
                w.putUInt32(FlashLayout.K_ROW_TYPE, rowType.id());
                w.putUInt32(FlashLayout.K_DOWN_TYPE, downType.id());
                w.put(FlashLayout.K_STRIDE, GgufValueType.UINT64, stride);
                w.putBool(FlashLayout.K_PAGE_ALIGNED, options.pageAlign());
                w.putUInt32(FlashLayout.K_RESIDENT_CRC, residentCrc.getValue());
                w.putArray(FlashLayout.K_LAYER_CRCS, GgufValueType.INT64, layerCrcs);
                w.putArray(FlashLayout.K_NEURON_CRCS, GgufValueType.UINT32, neuronCrcs);
                w.putUInt32(FlashLayout.K_RANK, rank);
                if (calibration != null) {
                    calibrate(w, calibration, resident);
                }
                for (Tensor t : resident.values()) {
                    w.addTensor(t.name(), t.type(), t.dims());
                }
                for (int l = 0; l < c.layers(); l++) {
                    w.addTensor(FlashLayout.bundleTensor(l), GgmlType.I8, stride, c.hiddenDim());
                }
                for (Tensor t : resident.values()) {
                    w.writeTensorData(t.data());
                }
                for (int l = 0; l < c.layers(); l++) {
                    bundles.fill((byte) 0);
                    BundleCodec.encode(model, l, downType, stride, bundles);
                    w.writeTensorData(bundles);
                    progress.update("write", l + 1, c.layers());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + temp, e);
            }
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("moving " + temp + " to " + target, e);
            }
        }

        /** Every tensor but the dense feed-forward matrices, then the predictor factors. */
        private Map<String, Tensor> residentTensors(Map<String, MemorySegment> predictor) {
            Set<String> ffn = new java.util.HashSet<>();
            for (int l = 0; l < c.layers(); l++) {
                ffn.addAll(List.of(TensorNames.ffnGate(l), TensorNames.ffnUp(l), TensorNames.ffnDown(l)));
            }
            Map<String, Tensor> resident = new LinkedHashMap<>();
            for (Tensor t : model.tensors().values()) {
                if (!ffn.contains(t.name())) {
                    resident.put(t.name(), t);
                }
            }
            for (int l = 0; l < c.layers() && rank > 0; l++) {
                String a = FlashLayout.predictorA(l);
                String b = FlashLayout.predictorB(l);
                resident.put(a, new Tensor(a, predictorType(rank), new long[]{rank, c.hiddenDim()}, predictor.get(a)));
                resident.put(b, new Tensor(b, predictorType(c.dim()), new long[]{c.dim(), rank}, predictor.get(b)));
            }
            return resident;
        }

        private Map<String, MemorySegment> lowRankFactors() {
            Map<String, MemorySegment> out = new LinkedHashMap<>();
            for (int l = 0; l < c.layers() && rank > 0; l++) {
                Weights gate = WeightsFactory.of(model.tensor(TensorNames.ffnGate(l)));
                float[] w = new float[c.hiddenDim() * c.dim()];
                for (int i = 0; i < c.hiddenDim(); i++) {
                    gate.row(i, w, i * c.dim());
                }
                LowRankFactors f = LowRankFactors.of(w, c.hiddenDim(), c.dim(), rank, 0x5eed + l);
                out.put(FlashLayout.predictorA(l), encode(f.a(), rank));
                out.put(FlashLayout.predictorB(l), encode(f.b(), c.dim()));
                progress.update("predictor", l + 1, c.layers());
            }
            return out;
        }

        private void calibrate(GgufWriter w, String text, Map<String, Tensor> resident) {
            try (ComputePool pool = new ComputePool(ComputePool.defaultThreads())) {
                progress.update("calibrate", 0, 1);
                ActivationTrace trace = ActivationTrace.record(model, new DenseFeedForward(model, pool, 32), pool, text,
                        options.calibrationTokens());
                float[] sparsities = ThresholdCalibration.DEFAULT_SPARSITIES;
                Weights[] gate = new Weights[c.layers()];
                for (int l = 0; l < c.layers(); l++) {
                    gate[l] = WeightsFactory.of(model.tensor(TensorNames.ffnGate(l)));
                }
                w.putArray(FlashLayout.K_SPARSITIES, GgufValueType.FLOAT32, sparsities);
                w.putArray(FlashLayout.K_GATE_THRESHOLDS, GgufValueType.FLOAT32, ThresholdCalibration.thresholds(
                        trace, new GatePredictor(pool, gate), c.layers(), c.hiddenDim(), sparsities));
                if (rank > 0) {
                    Predictor lowRank = FlashModel.lowRankPredictor(resident, c.layers(), pool);
                    w.putArray(FlashLayout.K_LOW_RANK_THRESHOLDS, GgufValueType.FLOAT32, ThresholdCalibration.thresholds(
                            trace, lowRank, c.layers(), c.hiddenDim(), sparsities));
                }
                progress.update("calibrate", 1, 1);
            }
        }

        /** {@code values} as rows of {@code rowLength} in {@link #predictorType}. */
        private static MemorySegment encode(float[] values, int rowLength) {
            GgmlType type = predictorType(rowLength);
            MemorySegment s = MemorySegment.ofArray(new byte[Math.toIntExact(type.bytesFor(values.length))]);
            RowEncoder.encode(type, values, 0, values.length, s, 0);
            return s;
        }

        private static long align(long v, long a) {
            return (v + a - 1) / a * a;
        }
    }
}
