package dev.specula.runtime.training;

import dev.specula.runtime.lora.LoraTarget;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Hyper-parameters of an ensemble training run.
 *
 * @param members     K, the number of LoRA members
 * @param rank        LoRA rank r
 * @param loraAlpha   LoRA scale numerator (the update is loraAlpha / r * B A x)
 * @param targets     adapted projections
 * @param alpha       alpha of the Renyi objective (0: mixture / specialists, 1: deep ensemble)
 * @param epochs      passes over the data
 * @param lr          AdamW learning rate (the peak, where the schedule decays it)
 * @param schedule    how the learning rate moves over the run
 * @param batch       examples per optimizer step
 * @param seed        seeds member initialisation (member k uses seed + k) and the data order
 * @param lambda      L2 penalty lambda * sum_k ||theta_k||^2, part of the objective
 * @param clip        global gradient-norm clip (0: none)
 * @param initBStd    standard deviation of B at initialisation (breaks the symmetry between members)
 */
public record TrainingOptions(int members, int rank, float loraAlpha, Set<LoraTarget> targets, double alpha,
                              int epochs, double lr, LearningRateSchedule schedule, int batch, long seed, double lambda, double clip,
                              double initBStd) {

    public TrainingOptions {
        positive("members", members);
        positive("rank", rank);
        positive("epochs", epochs);
        positive("batch", batch);
        if (!(loraAlpha > 0)) {
            throw new IllegalArgumentException("lora alpha must be positive, got " + loraAlpha);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + lr);
        }
        if (!(lambda >= 0) || !(clip >= 0) || !(initBStd >= 0)) {
            throw new IllegalArgumentException("lambda, clip and initBStd must be >= 0");
        }
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and >= 0, got " + alpha);
        }
        Objects.requireNonNull(schedule, "schedule");
        targets = EnumSet.copyOf(targets);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
