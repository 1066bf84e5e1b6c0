package dev.specula.runtime.model;

/**
 * The canonical tensor names every loader produces (GGUF's llama naming), so that nothing
 * past the loader knows which file format a model came from.
 */
public final class TensorNames {
    public static final String TOKEN_EMBEDDING = "token_embd.weight";
    public static final String OUTPUT_NORM = "output_norm.weight";
    /** Absent when the output head is tied to the token embedding. */
    public static final String OUTPUT = "output.weight";

    private TensorNames() {
    }

    public static String attnNorm(int layer) {
        return block(layer, "attn_norm");
    }

    public static String attnQ(int layer) {
        return block(layer, "attn_q");
    }

    public static String attnK(int layer) {
        return block(layer, "attn_k");
    }

    public static String attnV(int layer) {
        return block(layer, "attn_v");
    }

    public static String attnOutput(int layer) {
        return block(layer, "attn_output");
    }

    public static String ffnNorm(int layer) {
        return block(layer, "ffn_norm");
    }

    public static String ffnGate(int layer) {
        return block(layer, "ffn_gate");
    }

    public static String ffnUp(int layer) {
        return block(layer, "ffn_up");
    }

    public static String ffnDown(int layer) {
        return block(layer, "ffn_down");
    }

    private static String block(int layer, String part) {
        return "blk." + layer + "." + part + ".weight";
    }
}
