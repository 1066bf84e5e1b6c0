package dev.specula.runtime.lora;

import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.safetensors.SafetensorsFile;
import dev.specula.runtime.format.safetensors.SafetensorsWriter;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.json.JsonException;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A Hugging Face PEFT LoRA adapter folder: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with {@code base_model.model.model.layers.{l}.{module}.lora_A.weight}
 * {@code [r, in]} and {@code .lora_B.weight} {@code [out, r]}. PEFT's q/k rows are in rotate-half
 * layout; over an interleaved-RoPE base (GGUF, llama2.c) B's rows are permuted on the way in and back
 * on the way out, as llama.cpp permutes W_q and W_k.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";

    private PeftAdapter() {
    }

    /** True when {@code path} is a folder holding a PEFT adapter config. */
    public static boolean isAdapterFolder(Path path) {
        return Files.isRegularFile(path.resolve(CONFIG));
    }

    public static String tensorName(int layer, LoraTarget target, boolean b) {
        return "base_model.model.model.layers." + layer + "." + target.peftModule() + (b ? ".lora_B.weight" : ".lora_A.weight");
    }

    public static LoraAdapter read(Path folder, ModelConfig base) {
        Path configFile = folder.resolve(CONFIG);
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(configFile));
        } catch (IOException e) {
            throw new ModelFormatException(configFile, "cannot read: " + e);
        } catch (JsonException e) {
            throw new ModelFormatException(configFile, "bad JSON: " + e.getMessage());
        }
        Object type = json.get("peft_type");
        if (type != null && !"LORA".equals(type)) {
            throw new ModelFormatException(configFile, "peft_type is " + type + ", only LORA adapters are supported");
        }
        if (Boolean.TRUE.equals(json.get("use_rslora"))) {
            throw new ModelFormatException(configFile, "use_rslora is not supported (scale alpha/sqrt(r))");
        }
        int rank = positive(configFile, json, "r");
        float alpha = alpha(configFile, json.get("lora_alpha"));
        Set<LoraTarget> targets = targets(configFile, json.get("target_modules"));
        LoraAdapter adapter = LoraAdapter.zeros(base, rank, alpha, targets);
        Path weights = folder.resolve(WEIGHTS);
        try (Arena arena = Arena.ofShared()) {
            SafetensorsFile st = SafetensorsFile.read(weights, arena);
            Set<String> expected = new HashSet<>();
            for (int l = 0; l < base.layers(); l++) {
                for (LoraTarget t : targets) {
                    String an = tensorName(l, t, false);
                    String bn = tensorName(l, t, true);
                    String why = "rank " + rank + " over the base " + t.peftName();
                    float[] a = AdapterTensors.matrix(weights, st.tensors(), an, rank, t.in(base), why);
                    float[] b = AdapterTensors.matrix(weights, st.tensors(), bn, t.out(base), rank, why);
                    if (permuted(base, t)) {
                        b = RopePermutation.halfToInterleaved(b, t.ropeHeads(base), rank);
                    }
                    System.arraycopy(a, 0, adapter.a(t, l), 0, a.length);
                    System.arraycopy(b, 0, adapter.b(t, l), 0, b.length);
                    expected.add(an);
                    expected.add(bn);
                }
            }
            for (String name : st.tensors().keySet()) {
                if (!expected.contains(name)) {
                    throw new ModelFormatException(weights, "unexpected tensor " + name + " (the base has "
                            + base.layers() + " layers; adapter_config.json targets " + json.get("target_modules") + ")");
                }
            }
        }
        return adapter;
    }

    /** Writes {@code adapter} as a PEFT folder (created if needed) for the base model called {@code baseModel}. */
    public static void write(Path folder, LoraAdapter adapter, String baseModel) {
        ModelConfig c = adapter.config();
        if (adapter.alpha() != Math.rint(adapter.alpha())) {
            throw new IllegalArgumentException("PEFT stores lora_alpha as an integer; got " + adapter.alpha());
        }
        String modules = adapter.targets().stream().map(t -> Json.quote(t.peftName())).collect(Collectors.joining(", "));
        String config = "{\n  \"peft_type\": \"LORA\",\n  \"task_type\": \"CAUSAL_LM\",\n  \"r\": " + adapter.rank()
                + ",\n  \"lora_alpha\": " + (int) adapter.alpha() + ",\n  \"lora_dropout\": 0.0,\n  \"bias\": \"none\",\n"
                + "  \"target_modules\": [" + modules + "],\n  \"base_model_name_or_path\": " + Json.quote(baseModel) + "\n}\n";
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (int l = 0; l < c.layers(); l++) {
            for (LoraTarget t : adapter.targets()) {
                float[] b = adapter.b(t, l);
                if (permuted(c, t)) {
                    b = RopePermutation.interleavedToHalf(b, t.ropeHeads(c), adapter.rank());
                }
                w.addF32(tensorName(l, t, false), adapter.a(t, l), adapter.rank(), t.in(c));
                w.addF32(tensorName(l, t, true), b, t.out(c), adapter.rank());
            }
        }
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve(CONFIG), config);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + folder.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        w.write(folder.resolve(WEIGHTS));
    }

    private static boolean permuted(ModelConfig base, LoraTarget t) {
        return t.roped() && base.ropeStyle() == RopeStyle.INTERLEAVED;
    }

    private static int positive(Path file, Map<String, Object> json, String key) {
        if (json.get(key) instanceof Long v && v > 0 && v <= Integer.MAX_VALUE) {
            return v.intValue();
        }
        throw new ModelFormatException(file, "field " + key + " must be a positive integer, got " + json.get(key));
    }

    private static float alpha(Path file, Object value) {
        if (value instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue())) {
            return n.floatValue();
        }
        throw new ModelFormatException(file, "field lora_alpha must be a positive number, got " + value);
    }

    private static Set<LoraTarget> targets(Path file, Object modules) {
        if (!(modules instanceof List<?> list) || list.isEmpty()) {
            throw new ModelFormatException(file, "field target_modules must be a non-empty list of module names, got " + modules);
        }
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (Object m : list) {
            LoraTarget found = null;
            for (LoraTarget t : LoraTarget.values()) {
                if (t.peftName().equals(m)) {
                    found = t;
                }
            }
            if (found == null) {
                throw new ModelFormatException(file, "target_modules entry " + m
                        + " is not supported (expected q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
            }
            targets.add(found);
        }
        return targets;
    }
}
