package dev.specula.offload;

import dev.specula.runtime.SpeculaException;

import java.util.Arrays;
import java.util.Locale;

/** Which predictor chooses the neurons read per token. */
public enum PredictorKind {
    /** Every neuron, every token: exactly the dense model. */
    ALL("all"),
    /** Resident rank-r factors of W_gate predict the gate (small, approximate). */
    LOW_RANK("low-rank"),
    /** W_gate resident: the gate is exact, only up and down of firing neurons are needed. */
    GATE("gate");

    private final String cliName;

    PredictorKind(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static PredictorKind parse(String name) {
        for (PredictorKind k : values()) {
            if (k.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new SpeculaException("unknown predictor '" + name + "'; expected one of "
                + Arrays.stream(values()).map(PredictorKind::cliName).toList());
    }
}
