package dev.specula.runtime.training;

import java.util.Locale;

/**
 * How the learning rate moves over a run, as a function of the step alone (so a resumed run follows the
 * same rates). At a constant rate the members end wherever the last few batches pushed them: in the
 * conflicting-data demonstration two members of a deep ensemble (alpha 1), which should both settle on
 * 50/50, disagreed by 0.01 to 0.25 nats from seed to seed, and which seeds did changed with the width
 * of the CPU's vectors (rounding alone). Decaying to zero, every seed ended at 0.001-0.005 nats on
 * 128-, 256- and 512-bit vectors alike.
 */
public enum LearningRateSchedule {
    /** The same rate at every step. */
    CONSTANT,
    /** The full rate at the first step, falling linearly to a step's worth above zero at the last. */
    LINEAR;

    /** The rate at step {@code step} (1-based) of {@code totalSteps}, for a peak rate {@code lr}. */
    public double rate(double lr, long step, long totalSteps) {
        return switch (this) {
            case CONSTANT -> lr;
            case LINEAR -> lr * (totalSteps - step + 1) / totalSteps;
        };
    }

    /** The schedule's name as the command line and the ensemble file's metadata spell it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LearningRateSchedule parse(String name) {
        for (LearningRateSchedule s : values()) {
            if (s.label().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "': linear or constant");
    }
}
