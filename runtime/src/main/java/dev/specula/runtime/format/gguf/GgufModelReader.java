package dev.specula.runtime.format.gguf;

import dev.specula.runtime.format.ModelConfigs;
import dev.specula.runtime.format.ModelFormatException;
import dev.specula.runtime.format.ParsedModel;
import dev.specula.runtime.format.TensorLayout;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.RopeStyle;
import dev.specula.runtime.model.TensorNames;
import dev.specula.runtime.tensor.Tensor;

/**
 * Turns a parsed GGUF file into a Llama model: configuration from the {@code llama.*} keys,
 * tensors as they are (GGUF names are the canonical names). llama.cpp's converter permutes
 * W_q and W_k for adjacent-pair RoPE, hence {@link RopeStyle#INTERLEAVED}.
 */
public final class GgufModelReader {
    public static final String ARCHITECTURE = "general.architecture";
    /**
     * True in files whose feed-forward weights live outside the tensor table (flash offload):
     * such a model loads without them and needs a feed-forward implementation that reads them.
     */
    public static final String FFN_EXTERNAL = "specula.ffn.external";
    private static final String LLAMA = "llama";

    private GgufModelReader() {
    }

    public static ParsedModel read(GgufFile gguf) {
        GgufMetadata m = gguf.metadata();
        String arch = m.getString(ARCHITECTURE);
        if (!arch.equals(LLAMA)) {
            throw new ModelFormatException(gguf.path(), "architecture '" + arch + "' is not supported (only llama)");
        }
        if (m.getLong("llama.expert_count", 0) > 0) {
            throw new ModelFormatException(gguf.path(), "mixture-of-experts models are not supported");
        }
        int dim = m.getInt("llama.embedding_length");
        int heads = m.getInt("llama.attention.head_count");
        Tensor embedding = gguf.tensors().get(TensorNames.TOKEN_EMBEDDING);
        if (embedding == null || embedding.dims().length != 2 || embedding.dims()[1] > Integer.MAX_VALUE) {
            throw new ModelFormatException(gguf.path(), "missing or malformed tensor " + TensorNames.TOKEN_EMBEDDING);
        }
        ModelConfig config = ModelConfigs.of(gguf.path(), dim,
                m.getInt("llama.feed_forward_length"),
                m.getInt("llama.block_count"),
                heads,
                m.getInt("llama.attention.head_count_kv", heads),
                (int) embedding.dims()[1],
                m.getInt("llama.context_length"),
                m.getFloat("llama.attention.layer_norm_rms_epsilon"),
                m.getFloat("llama.rope.freq_base", 10000f),
                RopeStyle.INTERLEAVED);
        long ropeDims = m.getLong("llama.rope.dimension_count", config.headDim());
        if (ropeDims != config.headDim()) {
            throw new ModelFormatException(gguf.path(), "partial rotary embeddings (llama.rope.dimension_count "
                    + ropeDims + ", head size " + config.headDim() + ") are not supported");
        }
        if (m.has("llama.rope.scaling.type") && !m.getString("llama.rope.scaling.type").equals("none")
                || gguf.tensors().containsKey("rope_freqs.weight")) {
            throw new ModelFormatException(gguf.path(), "RoPE scaling is not supported");
        }
        TensorLayout.check(gguf.path(), config, gguf.tensors(), !m.getBoolean(FFN_EXTERNAL, false));
        return new ParsedModel("gguf", config, gguf.tensors(), m.asMap());
    }
}
