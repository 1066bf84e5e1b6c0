package dev.specula.runtime.training;

import dev.specula.runtime.model.ModelConfig;
import dev.specula.runtime.model.TensorNames;

/** The projections of a Llama block a LoRA adapter can adapt, with their input and output widths. */
public enum Projection {
    Q, K, V, O, GATE, UP, DOWN;

    public int in(ModelConfig c) {
        return this == DOWN ? c.hiddenDim() : c.dim();
    }

    public int out(ModelConfig c) {
        return switch (this) {
            case Q, O, DOWN -> c.dim();
            case K, V -> c.kvDim();
            case GATE, UP -> c.hiddenDim();
        };
    }

    /** The lower-case short name used on the command line and in ensemble files ("q", "gate"...). */
    public String shortName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    String tensorName(int layer) {
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
}
