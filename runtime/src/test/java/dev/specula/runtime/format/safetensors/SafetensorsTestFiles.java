package dev.specula.runtime.format.safetensors;

import dev.specula.runtime.format.TestFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Crafts safetensors files and tiny Hugging Face Llama folders. */
final class SafetensorsTestFiles {
    static final int DIM = 8;
    static final int HIDDEN = 16;
    static final int KV_DIM = 4;
    static final int VOCAB = 4;

    record Entry(String name, String dtype, long[] shape, byte[] data) {
        static Entry f32(String name, int seed, long... shape) {
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            return new Entry(name, "F32", shape, TestFiles.floatsLE(new int[0], TestFiles.ramp(n, seed)));
        }
    }

    private SafetensorsTestFiles() {
    }

    static byte[] file(List<Entry> entries, String metadataJson) {
        StringBuilder header = new StringBuilder("{");
        if (metadataJson != null) {
            header.append("\"__metadata__\":").append(metadataJson).append(',');
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Entry e : entries) {
            String shape = Arrays.stream(e.shape).mapToObj(Long::toString).collect(Collectors.joining(","));
            header.append('"').append(e.name).append("\":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[")
                    .append(shape).append("],\"data_offsets\":[").append(data.size()).append(',')
                    .append(data.size() + e.data.length).append("]},");
            data.writeBytes(e.data);
        }
        header.setLength(header.length() - 1);
        header.append('}');
        return withHeader(header.toString(), data.toByteArray());
    }

    static byte[] withHeader(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(h.length).put(h).put(data).array();
    }

    /** The HF tensors of a 1-layer Llama (dim 8, 2 heads, 1 kv head, hidden 16, vocab 4). */
    static List<Entry> llamaTensors(boolean withLmHead) {
        List<Entry> e = new ArrayList<>();
        e.add(Entry.f32("model.embed_tokens.weight", 0, VOCAB, DIM));
        e.add(Entry.f32("model.layers.0.input_layernorm.weight", 1, DIM));
        e.add(Entry.f32("model.layers.0.self_attn.q_proj.weight", 2, DIM, DIM));
        e.add(Entry.f32("model.layers.0.self_attn.k_proj.weight", 3, KV_DIM, DIM));
        e.add(Entry.f32("model.layers.0.self_attn.v_proj.weight", 4, KV_DIM, DIM));
        e.add(Entry.f32("model.layers.0.self_attn.o_proj.weight", 5, DIM, DIM));
        e.add(Entry.f32("model.layers.0.post_attention_layernorm.weight", 6, DIM));
        e.add(Entry.f32("model.layers.0.mlp.gate_proj.weight", 7, HIDDEN, DIM));
        e.add(Entry.f32("model.layers.0.mlp.up_proj.weight", 8, HIDDEN, DIM));
        e.add(Entry.f32("model.layers.0.mlp.down_proj.weight", 9, DIM, HIDDEN));
        e.add(Entry.f32("model.norm.weight", 10, DIM));
        if (withLmHead) {
            e.add(Entry.f32("lm_head.weight", 11, VOCAB, DIM));
        }
        return e;
    }

    static void writeConfig(Path folder, boolean tied) throws IOException {
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8,
                 "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                 "num_key_value_heads": 1, "vocab_size": 4, "max_position_embeddings": 32,
                 "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "rope_scaling": null,
                 "tie_word_embeddings": %s}
                """.formatted(tied));
    }
}
