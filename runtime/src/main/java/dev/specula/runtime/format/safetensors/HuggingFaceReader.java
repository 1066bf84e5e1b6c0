package dev.specula.runtime.format.safetensors;

import dev.specula.runtime.format.ModelConfigs;
import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ParsedModel;
import dev.specula.runtime.format.TensorLayout;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.json.JsonException;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face Llama folder: {@code config.json} plus {@code model.safetensors} or the
 * shards named by {@code model.safetensors.index.json}. Weights are renamed to the canonical
 * names but not permuted: HF's W_q and W_k rows suit rotate-half RoPE, hence {@link RopeStyle#HALF}.
 */
public final class HuggingFaceReader {
    public static final String CONFIG = "config.json";
    private static final String SINGLE = "model.safetensors";
    private static final String INDEX = "model.safetensors.index.json";
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.weight");
    private static final Map<String, String> TOP_LEVEL = Map.of(
            "model.embed_tokens.weight", TensorNames.TOKEN_EMBEDDING,
            "model.norm.weight", TensorNames.OUTPUT_NORM,
            "lm_head.weight", TensorNames.OUTPUT);
    private static final Map<String, String> PER_LAYER = Map.of(
            "input_layernorm", "attn_norm",
            "self_attn.q_proj", "attn_q",
            "self_attn.k_proj", "attn_k",
            "self_attn.v_proj", "attn_v",
            "self_attn.o_proj", "attn_output",
            "post_attention_layernorm", "ffn_norm",
            "mlp.gate_proj", "ffn_gate",
            "mlp.up_proj", "ffn_up",
            "mlp.down_proj", "ffn_down");

    private HuggingFaceReader() {
    }

    public static ParsedModel read(Path folder, Arena arena) {
        Path configFile = folder.resolve(CONFIG);
        Map<String, Object> json = readJson(configFile);
        ModelConfig config = config(configFile, json);
        boolean tied = bool(configFile, json, "tie_word_embeddings", false);

        Map<String, Tensor> canonical = new LinkedHashMap<>();
        Path weightsFile = folder.resolve(SINGLE);
        for (Map.Entry<String, Tensor> e : readWeights(folder, arena).entrySet()) {
            String name = canonicalName(folder, config, e.getKey());
            if (name != null) {
                Tensor t = e.getValue();
                canonical.put(name, new Tensor(name, t.type(), t.dims(), t.data()));
            }
        }
        if (tied) {
            // Tied checkpoints may store either matrix alone (safetensors cannot alias tensors).
            Tensor output = canonical.remove(TensorNames.OUTPUT);
            if (!canonical.containsKey(TensorNames.TOKEN_EMBEDDING) && output != null) {
                canonical.put(TensorNames.TOKEN_EMBEDDING,
                        new Tensor(TensorNames.TOKEN_EMBEDDING, output.type(), output.dims(), output.data()));
            }
        } else if (!canonical.containsKey(TensorNames.OUTPUT)) {
            throw new ModelFormatException(folder, "missing lm_head.weight (config.json says the embeddings are not tied)");
        }
        TensorLayout.check(Files.exists(weightsFile) ? weightsFile : folder, config, canonical);
        return new ParsedModel("safetensors", config, canonical, json);
    }

    private static ModelConfig config(Path file, Map<String, Object> json) {
        String type = json.get("model_type") instanceof String s ? s : "";
        boolean llamaClass = json.get("architectures") instanceof List<?> l && l.contains("LlamaForCausalLM");
        if (!llamaClass && !type.equals("llama")) {
            throw new ModelFormatException(file, "not a Llama model (architectures " + json.get("architectures")
                    + ", model_type " + json.get("model_type") + ")");
        }
        if (json.get("rope_scaling") != null) {
            throw new ModelFormatException(file, "rope_scaling " + json.get("rope_scaling") + " is not supported");
        }
        int dim = integer(file, json, "hidden_size", null);
        int heads = integer(file, json, "num_attention_heads", null);
        if (json.get("head_dim") != null && integer(file, json, "head_dim", null) * heads != dim) {
            throw new ModelFormatException(file, "head_dim * num_attention_heads != hidden_size is not supported");
        }
        return ModelConfigs.of(file, dim,
                integer(file, json, "intermediate_size", null),
                integer(file, json, "num_hidden_layers", null),
                heads,
                integer(file, json, "num_key_value_heads", heads),
                integer(file, json, "vocab_size", null),
                integer(file, json, "max_position_embeddings", null),
                (float) number(file, json, "rms_norm_eps", 1e-6),
                (float) number(file, json, "rope_theta", 10000.0),
                RopeStyle.HALF);
    }

    /** All tensors of the folder under their HF names, from one file or from the index's shards. */
    private static Map<String, Tensor> readWeights(Path folder, Arena arena) {
        Path single = folder.resolve(SINGLE);
        Path index = folder.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            return SafetensorsFile.read(single, arena).tensors();
        }
        if (!Files.isRegularFile(index)) {
            throw new ModelFormatException(folder, "no " + SINGLE + " or " + INDEX + " in the folder");
        }
        if (!(readJson(index).get("weight_map") instanceof Map<?, ?> weightMap)) {
            throw new ModelFormatException(index, "missing weight_map object");
        }
        Set<String> shards = new LinkedHashSet<>();
        weightMap.values().forEach(v -> shards.add(String.valueOf(v)));
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String shard : shards) {
            Path shardFile = folder.resolve(shard).normalize();
            if (!shardFile.startsWith(folder.normalize())) {
                throw new ModelFormatException(index, "shard " + shard + " lies outside the folder");
            }
            all.putAll(SafetensorsFile.read(shardFile, arena).tensors());
        }
        for (Map.Entry<?, ?> e : weightMap.entrySet()) {
            if (!all.containsKey(String.valueOf(e.getKey()))) {
                throw new ModelFormatException(index, "tensor " + e.getKey() + " is not in its shard " + e.getValue());
            }
        }
        return all;
    }

    /** The canonical name of an HF tensor, null for buffers to ignore; unknown tensors are errors. */
    private static String canonicalName(Path folder, ModelConfig config, String hfName) {
        String top = TOP_LEVEL.get(hfName);
        if (top != null) {
            return top;
        }
        if (hfName.endsWith("rotary_emb.inv_freq")) {
            return null; // a buffer some exports include; RoPE frequencies are recomputed
        }
        Matcher m = LAYER.matcher(hfName);
        String part = m.matches() ? PER_LAYER.get(m.group(2)) : null;
        if (part == null) {
            throw new ModelFormatException(folder, "unexpected tensor " + hfName + " (not part of a Llama model)");
        }
        int layer;
        try {
            layer = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            layer = -1;
        }
        if (layer < 0 || layer >= config.layers()) {
            throw new ModelFormatException(folder, "tensor " + hfName + " is beyond num_hidden_layers " + config.layers());
        }
        return "blk." + layer + "." + part + ".weight";
    }

    private static Map<String, Object> readJson(Path file) {
        try {
            return Json.parseObject(Files.readString(file));
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e);
        } catch (JsonException e) {
            throw new ModelFormatException(file, "bad JSON: " + e.getMessage());
        }
    }

    private static int integer(Path file, Map<String, Object> json, String key, Integer defaultValue) {
        Object v = json.get(key);
        if (v == null && defaultValue != null) {
            return defaultValue;
        }
        if (v instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        throw new ModelFormatException(file, v == null ? "missing " + key : key + " should be an integer, got " + v);
    }

    private static double number(Path file, Map<String, Object> json, String key, double defaultValue) {
        Object v = json.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new ModelFormatException(file, key + " should be a number, got " + v);
    }

    private static boolean bool(Path file, Map<String, Object> json, String key, boolean defaultValue) {
        Object v = json.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ModelFormatException(file, key + " should be true or false, got " + v);
    }
}
