package dev.specula.offload;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ParsedModel;
import dev.specula.runtime.format.SegmentReader;
import dev.specula.runtime.format.gguf.GgufFile;
import dev.specula.runtime.format.gguf.GgufModelReader;
import dev.specula.runtime.kernel.ComputePool;
import dev.specula.runtime.kernel.Weights;
import dev.specula.runtime.kernel.WeightsFactory;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.tensor.Tensor;
import dev.specula.runtime.tokenizer.TokenizerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * An opened {@code .specula} file: the resident {@link Model} (every tensor but the bundles, ready
 * for the ordinary transformer), the {@link FlashLayout} and where each layer's bundles start in the
 * file. The resident tensors' checksum is verified on open. Each bundle's own checksum is checked when it is
 * read, so a corrupt neuron is reported when it is first needed and opening costs no pass over the bundles;
 * files without per-neuron checksums have each layer's bundles checked on open, through direct reads, not
 * the mapping, so verifying leaves them neither in this process's resident set nor in the page cache.
 */
public final class FlashModel implements AutoCloseable {
    private static final int VERIFY_CHUNK = 1 << 20;
    private static final long GATHER_CHUNK = 1 << 20;
    private static final int GATHER_READS = 4;
    private static final long GATHER_STAGING = 16L << 20;

    private final Model model;
    private final FlashLayout layout;
    private final Map<Integer, Tensor> bundles;
    private final long[] bundleOffsets;

    private FlashModel(Model model, FlashLayout layout, Map<Integer, Tensor> bundles, long[] bundleOffsets) {
        this.model = model;
        this.layout = layout;
        this.bundles = bundles;
        this.bundleOffsets = bundleOffsets;
    }

    /** Opens {@code file}; with {@code withTokenizer == false} the model has no tokenizer. */
    public static FlashModel open(Path file, boolean withTokenizer, boolean verify) {
        Arena arena = Arena.ofShared();
        try {
            SegmentReader in = SegmentReader.open(file, arena);
            GgufFile gguf = GgufFile.read(in);
            if (!FlashLayout.isFlash(gguf)) {
                throw new ModelFormatException(file, "not a flash layout file (make one with `specula convert`)");
            }
            ParsedModel parsed = GgufModelReader.read(gguf);
            ModelConfig c = parsed.config();
            FlashLayout layout = FlashLayout.read(gguf, c);
            Map<String, Tensor> resident = new LinkedHashMap<>();
            Map<Integer, Tensor> bundles = new LinkedHashMap<>();
            long[] offsets = new long[c.layers()];
            for (Tensor t : gguf.tensors().values()) {
                if (!FlashLayout.isBundle(t.name())) {
                    resident.put(t.name(), t);
                }
            }
            for (int l = 0; l < c.layers(); l++) {
                Tensor b = gguf.tensors().get(FlashLayout.bundleTensor(l));
                bundles.put(l, b);
                offsets[l] = b.data().address() - in.segment().address();
            }
            if (verify) {
                verifyResident(file, layout, resident);
                if (!layout.checksNeurons()) {
                    verifyBundles(file, layout, offsets, layout.stride() * c.hiddenDim());
                }
            }
            var tokenizer = withTokenizer ? TokenizerFactory.fromGguf(file, parsed.metadata()) : null;
            Model model = new Model(file, "specula", c, resident, tokenizer, parsed.metadata(), arena);
            return new FlashModel(model, layout, bundles, offsets);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Whether {@code file} is a GGUF file in the flash layout. */
    public static boolean isFlashFile(Path file) {
        if (!java.nio.file.Files.isRegularFile(file) || !dev.specula.runtime.format.ModelLoader.isGguf(file)) {
            return false;
        }
        try (Arena arena = Arena.ofShared()) {
            return FlashLayout.isFlash(GgufFile.read(file, arena));
        }
    }

    private static void verifyResident(Path file, FlashLayout layout, Map<String, Tensor> resident) {
        CRC32C crc = new CRC32C();
        resident.values().forEach(t -> Checksums.update(crc, t.data()));
        check(file, "resident tensors", layout.residentCrc(), crc.getValue());
    }

    /** Checks every layer's bundles as a whole; files with per-neuron checksums are checked as neurons are read instead. */
    void verifyBundles() {
        verifyBundles(file(), layout, bundleOffsets, layout.stride() * config().hiddenDim());
    }

    private static void verifyBundles(Path file, FlashLayout layout, long[] offsets, long layerBytes) {
        CRC32C crc = new CRC32C();
        // Read with O_DIRECT where possible, so verifying does not fill the page cache with the bundles.
        try (Arena buffers = Arena.ofConfined(); FileChannel ch = openForVerify(file)) {
            ByteBuffer buffer = buffers.allocate(VERIFY_CHUNK, BundleReader.ALIGN).asByteBuffer();
            for (int l = 0; l < offsets.length; l++) {
                crc.reset();
                for (long done = 0; done < layerBytes; ) {
                    long want = Math.min(VERIFY_CHUNK, layerBytes - done);
                    buffer.clear().limit((int) ((want + BundleReader.ALIGN - 1) / BundleReader.ALIGN * BundleReader.ALIGN));
                    int n = ch.read(buffer, offsets[l] + done);
                    if (n < want) {
                        throw new ModelFormatException(file, offsets[l] + done, "truncated in "
                                + FlashLayout.bundleTensor(l));
                    }
                    crc.update(buffer.flip().limit((int) want));
                    done += want;
                }
                check(file, "feed-forward bundles of layer " + l + " (" + FlashLayout.bundleTensor(l) + " at offset "
                        + offsets[l] + ")", layout.layerCrcs()[l], crc.getValue());
            }
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read to verify: " + e.getMessage());
        }
    }

    private static FileChannel openForVerify(Path file) throws IOException {
        try {
            return BundleReader.openDirect(file);
        } catch (IOException | UnsupportedOperationException e) {
            return FileChannel.open(file, StandardOpenOption.READ);
        }
    }

    /**
     * Checks neuron {@code neuron}'s bundle of layer {@code layer}, read to {@code bundle[offset ..]}, against
     * its stored checksum (nothing to check in files without per-neuron checksums).
     */
    void checkNeuron(int layer, int neuron, MemorySegment bundle, long offset, CRC32C crc) {
        if (!layout.checksNeurons()) {
            return;
        }
        crc.reset();
        Checksums.update(crc, bundle.asSlice(offset, layout.stride()));
        long at = bundleOffsets[layer] + neuron * layout.stride();
        if (crc.getValue() != layout.neuronCrc(layer, neuron)) {
            throw new ModelFormatException(file(), at, String.format("checksum mismatch in neuron %d of layer %d (%s): "
                    + "stored CRC32C %08x, computed %08x; the file is corrupt, convert it again", neuron, layer,
                    FlashLayout.bundleTensor(layer), layout.neuronCrc(layer, neuron), crc.getValue()));
        }
    }

    private static void check(Path file, String section, long stored, long computed) {
        if (stored != computed) {
            throw new ModelFormatException(file, "checksum mismatch in section " + section + ": stored CRC32C "
                    + String.format("%08x", stored) + ", computed " + String.format("%08x", computed)
                    + "; the file is corrupt, convert it again");
        }
    }

    public Model model() {
        return model;
    }

    public FlashLayout layout() {
        return layout;
    }

    public ModelConfig config() {
        return model.config();
    }

    public Path file() {
        return model.source();
    }

    /** File offset of layer {@code layer}'s first bundle. */
    public long bundleOffset(int layer) {
        return bundleOffsets[layer];
    }

    /** Layer {@code layer}'s bundles as mapped (through the page cache). */
    public MemorySegment mappedBundles(int layer) {
        return bundles.get(layer).data();
    }

    /** Bytes of the resident tensors. */
    public long residentBytes() {
        return model.weightBytes();
    }

    public boolean hasLowRankPredictor() {
        return layout.rank() > 0;
    }

    /**
     * The rows at {@code rowOffset} inside each bundle of every layer, gathered into one resident
     * {@code hidden x dim} matrix per layer (gate: offset 0, up: one row further), allocated in
     * {@code arena}.
     */
    public Weights[] gatherRows(Arena arena, long rowOffset, String name) {
        ModelConfig c = config();
        long rowBytes = layout.rowBytes(c);
        int hidden = c.hiddenDim();
        int[] every = java.util.stream.IntStream.range(0, hidden).toArray();
        Weights[] out = new Weights[c.layers()];
        // Read with O_DIRECT, as the feed-forward does: copying through the mapping would touch every page of
        // the bundles, and those pages would count in this process's resident set beyond any budget.
        try (BundleReader reader = new BundleReader(file(), hidden, layout.stride(), GATHER_CHUNK, GATHER_READS,
                GATHER_STAGING, null)) {
            for (int l = 0; l < c.layers(); l++) {
                MemorySegment dst = PrivateMemory.allocate(arena, rowBytes * hidden);
                reader.read(bundleOffset(l), every, hidden, (neuron, staging, offset) ->
                        MemorySegment.copy(staging, offset + rowOffset, dst, neuron * rowBytes, rowBytes));
                out[l] = WeightsFactory.of(new Tensor("blk." + l + "." + name, layout.rowType(),
                        new long[]{c.dim(), hidden}, dst));
            }
        }
        return out;
    }

    static Predictor lowRankPredictor(Map<String, Tensor> tensors, int layers, ComputePool pool) {
        Weights[] a = new Weights[layers];
        Weights[] b = new Weights[layers];
        for (int l = 0; l < layers; l++) {
            a[l] = WeightsFactory.of(tensors.get(FlashLayout.predictorA(l)));
            b[l] = WeightsFactory.of(tensors.get(FlashLayout.predictorB(l)));
        }
        return new LowRankPredictor(pool, a, b);
    }

    /** The predictor of {@code kind} (null for {@link PredictorKind#ALL}); gate weights are gathered into {@code arena}. */
    public Predictor predictor(PredictorKind kind, ComputePool pool, Arena arena) {
        return switch (kind) {
            case ALL -> null;
            case LOW_RANK -> {
                if (!hasLowRankPredictor()) {
                    throw new ModelFormatException(file(), "no low-rank predictor stored (converted with rank 0)");
                }
                yield lowRankPredictor(model.tensors(), config().layers(), pool);
            }
            case GATE -> new GatePredictor(pool, gatherRows(arena, 0, "ffn_gate"));
        };
    }

    /** Per-layer thresholds of {@code kind} at {@code sparsity}. */
    public float[] thresholds(PredictorKind kind, double sparsity) {
        int layers = config().layers();
        float[] all = kind == PredictorKind.LOW_RANK ? layout.lowRankThresholds() : layout.gateThresholds();
        int s = layout.setting(file(), sparsity);
        if (all.length == 0) {
            throw new ModelFormatException(file(), "no thresholds calibrated for the " + kind.cliName() + " predictor");
        }
        float[] out = new float[layers];
        System.arraycopy(all, s * layers, out, 0, layers);
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
