package dev.specula.runtime.lora;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** A base projection a LoRA adapter can modify, with its widths and the names other formats give it. */
public enum LoraTarget {
    Q("self_attn.q_proj"),
    K("self_attn.k_proj"),
    V("self_attn.v_proj"),
    O("self_attn.o_proj"),
    GATE("mlp.gate_proj"),
    UP("mlp.up_proj"),
    DOWN("mlp.down_proj");

    private final String peftModule;

    LoraTarget(String peftModule) {
        this.peftModule = peftModule;
    }

    /** The short name used in ensemble files and on the command line: q, k, v, o, gate, up, down. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The module path inside a Hugging Face Llama layer ({@code self_attn.q_proj}, {@code mlp.up_proj}, ...). */
    public String peftModule() {
        return peftModule;
    }

    /** The last component of {@link #peftModule()}, as PEFT lists it in {@code target_modules}. */
    public String peftName() {
        return peftModule.substring(peftModule.indexOf('.') + 1);
    }

    /** Input width of the base projection (columns of its weight). */
    public int in(ModelConfig c) {
        return this == DOWN ? c.hiddenDim() : c.dim();
    }

    /** Output width of the base projection (rows of its weight). */
    public int out(ModelConfig c) {
        return switch (this) {
            case Q, O -> c.dim();
            case K, V -> c.kvDim();
            case GATE, UP -> c.hiddenDim();
            case DOWN -> c.dim();
        };
    }

    /** Canonical name of the base weight this target modifies in {@code layer}. */
    public String baseTensor(int layer) {
        return switch (this) {
            case Q -> TensorNames.attnQ(layer);
            case K -> TensorNames.attnK(layer);
            case V -> TensorNames.attnV(layer);
            case O -> TensorNames.attnOutput(layer);
            case GATE -> TensorNames.ffnGate(layer);
            case UP -> TensorNames.ffnUp(layer);
            case DOWN -> TensorNames.ffnDown(layer);
        };
    }

    /** True for the projections whose rows RoPE pairs up (their row order depends on the RoPE style). */
    public boolean roped() {
        return this == Q || this == K;
    }

    /** Heads whose rows a RoPE permutation shuffles: query heads for q, key/value heads for k. */
    public int ropeHeads(ModelConfig c) {
        return this == Q ? c.heads() : c.kvHeads();
    }

    public static LoraTarget parse(String key) {
        for (LoraTarget t : values()) {
            if (t.key().equals(key.trim().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new SpeculaException("unknown LoRA target '" + key + "': expected one of q,k,v,o,gate,up,down");
    }

    /** Parses a comma list such as {@code q,v}; empty entries are errors. */
    public static Set<LoraTarget> parseList(String list) {
        EnumSet<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String key : list.split(",", -1)) {
            targets.add(parse(key));
        }
        return targets;
    }

    public static String join(Set<LoraTarget> targets) {
        return targets.stream().map(LoraTarget::key).collect(Collectors.joining(","));
    }
}
