package dev.specula.offload;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.format.gguf.GgufMetadata;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;

import java.nio.file.Path;

/**
 * The flash layout of a {@code .specula} file, read from its metadata.
 *
 * <p>A {@code .specula} file is a valid GGUF (alignment 4 KiB): resident tensors (embeddings,
 * attention, norms, output head, predictor factors) are ordinary tensors, so the ordinary GGUF
 * reader loads the resident part. Each layer's feed-forward is one extra tensor
 * {@code blk.L.ffn_bundle} of raw bytes ({@code I8}, {@code [stride, hidden]}): neuron {@code i}'s
 * bundle is {@code stride} bytes at {@code i * stride} holding its gate row and up row in the
 * model's row type, then its down column ({@code dim} values) in {@link #downType()}.
 *
 * <p>The down column: ggml stores down as {@code [hidden, dim]}, so neuron {@code i}'s column is
 * element {@code i} of every row. For types without blocks (F32, F16, BF16) it is stored in that
 * type and the all-active model is bit-identical to the dense one. Block-quantized down (Q8_0,
 * Q4_0) shares one scale among 32 neurons, so a neuron's column cannot be cut out in that type.
 * By default it is requantized along the column into the same type (blocks of 32 down the column,
 * the model's size on flash, one more rounding per value); a mix's layers (Q4_K_M's Q4_K and Q6_K) share the
 * widest type, and a column that is not whole blocks of it takes llama.cpp's fallback for it (Q8_0 for Q6_K
 * at SmolLM's width of 576). The exact choice stores it dequantized
 * as F32, exact per value (an fp16 scale times a small integer fits a float's mantissa) but 3.8x
 * (Q8_0) or 7x (Q4_0) the bytes, so that the all-active model differs from the dense one only in
 * the summation order of the down product.
 *
 * @param stride     bytes per neuron bundle (a multiple of 4096 when page-aligned)
 * @param layerCrcs  CRC32C of each layer's bundles
 * @param neuronCrcs CRC32C of each bundle ({@code stride} bytes), layer by layer, so a bundle can be checked
 *                   when it is read; empty in files written before they existed
 * @param rowType    type of the gate and up rows
 * @param downType   type of the down column
 * @param rank       rank of the low-rank gate predictor (0: none stored)
 * @param sparsities calibrated sparsity settings (fraction of neurons skipped), ascending
 * @param lowRankThresholds per setting then per layer: threshold on |silu(predicted gate)|
 * @param gateThresholds    per setting then per layer: threshold on |silu(exact gate)|
 */
public record FlashLayout(int version, GgmlType rowType, GgmlType downType, long stride, boolean pageAligned,
                          long residentCrc, long[] layerCrcs, long[] neuronCrcs, int rank, float[] sparsities,
                          float[] lowRankThresholds, float[] gateThresholds) {
    public static final int VERSION = 1;
    public static final long PAGE = 4096;
    public static final String PREFIX = "specula.flash.";
    static final String K_VERSION = PREFIX + "version";
    static final String K_ROW_TYPE = PREFIX + "row_type";
    static final String K_DOWN_TYPE = PREFIX + "down_type";
    static final String K_STRIDE = PREFIX + "stride";
    static final String K_PAGE_ALIGNED = PREFIX + "page_aligned";
    static final String K_RESIDENT_CRC = PREFIX + "crc32c.resident";
    static final String K_LAYER_CRCS = PREFIX + "crc32c.layers";
    static final String K_NEURON_CRCS = PREFIX + "crc32c.neurons";
    static final String K_RANK = PREFIX + "predictor.rank";
    static final String K_SPARSITIES = PREFIX + "predictor.sparsities";
    static final String K_LOW_RANK_THRESHOLDS = PREFIX + "predictor.low_rank.thresholds";
    static final String K_GATE_THRESHOLDS = PREFIX + "predictor.gate.thresholds";

    public static String bundleTensor(int layer) {
        return "blk." + layer + ".ffn_bundle";
    }

    /** Low-rank predictor factor A ({@code hidden x rank}: rows of length rank). */
    public static String predictorA(int layer) {
        return "blk." + layer + ".ffn_pred_a.weight";
    }

    /** Low-rank predictor factor B ({@code rank x dim}). */
    public static String predictorB(int layer) {
        return "blk." + layer + ".ffn_pred_b.weight";
    }

    /** Whether {@code name} is a flash bundle rather than a resident tensor. */
    public static boolean isBundle(String name) {
        return name.endsWith(".ffn_bundle");
    }

    /** Whether a parsed GGUF is a flash layout file. */
    public static boolean isFlash(GgufFile gguf) {
        return gguf.metadata().has(K_VERSION);
    }

    /**
     * The type a neuron's down column ({@code dim} values) is stored in, for a model whose down matrices have
     * {@code type} (the widest of them in a mix such as Q4_K_M's Q4_K and Q6_K): that type, or llama.cpp's
     * fallback for it where a column is not whole blocks of it (SmolLM's 576), or for a block type with
     * {@code exact}, F32.
     */
    public static GgmlType downTypeFor(GgmlType type, int dim, boolean exact) {
        if (type.blockSize() > 1 && exact) {
            return GgmlType.F32;
        }
        return dim % type.blockSize() == 0 ? type : type.fallback();
    }

    /** Bytes of one bundle before padding. */
    public static long bundleBytes(ModelConfig c, GgmlType rowType, GgmlType downType) {
        return 2 * rowType.bytesFor(c.dim()) + downType.bytesFor(c.dim());
    }

    public long rowBytes(ModelConfig c) {
        return rowType.bytesFor(c.dim());
    }

    public long downBytes(ModelConfig c) {
        return downType.bytesFor(c.dim());
    }

    /** Whether each bundle can be checked as it is read, instead of whole layers on open. */
    public boolean checksNeurons() {
        return neuronCrcs.length > 0;
    }

    /** The stored CRC32C of neuron {@code neuron}'s bundle in layer {@code layer}. */
    public long neuronCrc(int layer, int neuron) {
        return neuronCrcs[layer * (neuronCrcs.length / layerCrcs.length) + neuron];
    }

    public int settings() {
        return sparsities.length;
    }

    /** Index of the calibrated setting for {@code sparsity}, or an error listing those available. */
    public int setting(Path file, double sparsity) {
        for (int s = 0; s < sparsities.length; s++) {
            if (Math.abs(sparsities[s] - sparsity) < 1e-4) {
                return s;
            }
        }
        StringBuilder have = new StringBuilder();
        for (float s : sparsities) {
            have.append(have.isEmpty() ? "" : ", ").append(s);
        }
        throw new ModelFormatException(file, "no predictor calibrated for sparsity " + sparsity
                + (sparsities.length == 0 ? "; convert with --calibration-text to calibrate"
                : "; calibrated: " + have));
    }

    public static FlashLayout read(GgufFile gguf, ModelConfig config) {
        GgufMetadata m = gguf.metadata();
        Path file = gguf.path();
        int version = m.getInt(K_VERSION);
        if (version != VERSION) {
            throw new ModelFormatException(file, K_VERSION + " = " + version + " is not supported (expected " + VERSION + ")");
        }
        GgmlType rowType = type(file, m, K_ROW_TYPE);
        GgmlType downType = type(file, m, K_DOWN_TYPE);
        long stride = m.getLong(K_STRIDE);
        if (stride < bundleBytes(config, rowType, downType)) {
            throw new ModelFormatException(file, K_STRIDE + " = " + stride + " is smaller than a bundle ("
                    + bundleBytes(config, rowType, downType) + " bytes)");
        }
        long[] crcs = (long[]) array(m, K_LAYER_CRCS, long[].class, file);
        if (crcs.length != config.layers()) {
            throw new ModelFormatException(file, K_LAYER_CRCS + " has " + crcs.length + " entries for "
                    + config.layers() + " layers");
        }
        long[] neuronCrcs = m.has(K_NEURON_CRCS) ? (long[]) array(m, K_NEURON_CRCS, long[].class, file) : new long[0];
        if (neuronCrcs.length != 0 && neuronCrcs.length != (long) config.layers() * config.hiddenDim()) {
            throw new ModelFormatException(file, K_NEURON_CRCS + " has " + neuronCrcs.length + " entries for "
                    + config.layers() + " layers x " + config.hiddenDim() + " neurons");
        }
        float[] sparsities = m.has(K_SPARSITIES) ? (float[]) array(m, K_SPARSITIES, float[].class, file) : new float[0];
        float[] lowRank = m.has(K_LOW_RANK_THRESHOLDS)
                ? (float[]) array(m, K_LOW_RANK_THRESHOLDS, float[].class, file) : new float[0];
        float[] gate = m.has(K_GATE_THRESHOLDS) ? (float[]) array(m, K_GATE_THRESHOLDS, float[].class, file) : new float[0];
        int expected = sparsities.length * config.layers();
        if (gate.length != expected || lowRank.length != expected && lowRank.length != 0) {
            throw new ModelFormatException(file, "predictor thresholds do not match " + sparsities.length
                    + " settings x " + config.layers() + " layers");
        }
        FlashLayout layout = new FlashLayout(version, rowType, downType, stride, m.getBoolean(K_PAGE_ALIGNED, false),
                m.getLong(K_RESIDENT_CRC), crcs, neuronCrcs, m.getInt(K_RANK, 0), sparsities, lowRank, gate);
        for (int l = 0; l < config.layers(); l++) {
            Tensor b = gguf.tensors().get(bundleTensor(l));
            if (b == null || b.byteSize() != stride * config.hiddenDim()) {
                throw new ModelFormatException(file, "missing or mis-sized tensor " + bundleTensor(l)
                        + " (expected " + stride * config.hiddenDim() + " bytes)");
            }
        }
        return layout;
    }

    private static GgmlType type(Path file, GgufMetadata m, String key) {
        GgmlType t = GgmlType.byId(m.getInt(key));
        if (t == null || !t.supported()) {
            throw new ModelFormatException(file, key + " = " + m.getInt(key) + " is not a supported tensor type");
        }
        return t;
    }

    private static Object array(GgufMetadata m, String key, Class<?> type, Path file) {
        Object v = m.asMap().get(key);
        if (!type.isInstance(v)) {
            throw new ModelFormatException(file, "metadata " + key + " is missing or not an array of the right type");
        }
        return v;
    }
}
