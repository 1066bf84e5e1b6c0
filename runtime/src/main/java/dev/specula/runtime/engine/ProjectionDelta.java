package dev.specula.runtime.engine;

import dev.specula.runtime.lora.LoraTarget;

/**
 * An update added to the output of a base projection after its matrix product (LoRA adapters).
 * Each row of a batch may get a different update: in ensemble decode row k belongs to member k.
 */
public interface ProjectionDelta {

    /** True when {@link #apply} changes {@code target}'s output; false lets callers skip the call. */
    boolean modifies(LoraTarget target);

    /**
     * For each {@code b < batch}: {@code y[b*out ..] += delta_b(x[b*in ..])}, where in/out are the
     * widths of {@code target} in {@code layer}.
     */
    void apply(LoraTarget target, int layer, float[] x, float[] y, int batch);
}
