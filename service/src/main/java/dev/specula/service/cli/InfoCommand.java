package dev.specula.service.cli;

import dev.specula.devices.ByteSize;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.engine.KvCacheType;
import dev.specula.runtime.model.Model;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.tensor.GgmlType;
import dev.specula.runtime.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** Shows what is in a model file and what it needs to run. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a model's metadata, tensors and memory needs.")
public final class InfoCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() {
        try (Model model = modelOptions.loadModel()) {
            ModelConfig c = model.config();
            int context = Engine.contextLength(c, modelOptions.context); // a bad --context fails before any output
            System.out.printf(Locale.ROOT, "model: %s (%s)%n", model.source(), model.format());
            System.out.printf(Locale.ROOT,
                    "config: dim %d, ffn %d, layers %d, heads %d, kv heads %d, head dim %d, vocab %d, context %d, "
                            + "rms eps %g, rope theta %g (%s)%n",
                    c.dim(), c.hiddenDim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(),
                    c.contextLength(), c.rmsNormEps(), c.ropeTheta(), c.ropeStyle().name().toLowerCase(Locale.ROOT));
            if (model.tokenizer() != null) {
                System.out.printf(Locale.ROOT, "tokenizer: %s, %d tokens, bos %d, eos %d%n",
                        model.tokenizer().getClass().getSimpleName(), model.tokenizer().vocabSize(),
                        model.tokenizer().bos(), model.tokenizer().eos());
            }
            System.out.println();
            System.out.println("metadata:");
            for (Map.Entry<String, Object> e : model.metadata().entrySet()) {
                System.out.printf(Locale.ROOT, "  %-45s %s%n", e.getKey(), describe(e.getValue()));
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "tensors (%d):%n", model.tensors().size());
            for (Tensor t : model.tensors().values()) {
                System.out.printf(Locale.ROOT, "  %-32s %-5s %-18s %12s%n", t.name(), t.type(),
                        Arrays.toString(t.dims()), ByteSize.format(t.byteSize()));
            }
            System.out.println("by type: " + byType(model.tensors().values()));
            System.out.println();
            long kv = KvCacheType.F16.bytes(c, context);
            System.out.printf(Locale.ROOT, "memory: weights %s, KV cache %s at context %d (f16; f32: %s), total %s%n",
                    ByteSize.format(model.weightBytes()), ByteSize.format(kv), context,
                    ByteSize.format(KvCacheType.F32.bytes(c, context)), ByteSize.format(model.weightBytes() + kv));
        }
        return 0;
    }

    /**
     * Tensors counted and sized per storage type, largest share first: what a mix (llama.cpp's Q4_K_M, say)
     * is made of.
     */
    static String byType(Collection<Tensor> tensors) {
        Map<GgmlType, long[]> types = new EnumMap<>(GgmlType.class);
        for (Tensor t : tensors) {
            long[] countAndBytes = types.computeIfAbsent(t.type(), k -> new long[2]);
            countAndBytes[0]++;
            countAndBytes[1] += t.byteSize();
        }
        return types.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<GgmlType, long[]> e) -> e.getValue()[1]).reversed())
                .map(e -> String.format(Locale.ROOT, "%s %d tensors %s", e.getKey(), e.getValue()[0],
                        ByteSize.format(e.getValue()[1])))
                .collect(Collectors.joining(", "));
    }

    /** Metadata values, with long arrays (vocabularies) summarised instead of printed whole. */
    static String describe(Object value) {
        if (value == null || !value.getClass().isArray()) {
            return String.valueOf(value);
        }
        int n = Array.getLength(value);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, 8); i++) {
            sb.append(i == 0 ? "" : ", ").append(describe(Array.get(value, i)));
        }
        return sb.append(n > 8 ? ", ... (" + n + " items)]" : "]").toString();
    }
}
