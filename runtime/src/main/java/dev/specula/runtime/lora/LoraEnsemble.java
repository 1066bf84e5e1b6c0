package dev.specula.runtime.lora;

import dev.specula.runtime.model.ModelConfig;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * K LoRA adapters of the same shape over one base model, with prior weights pi_k.
 *
 * @param members   the adapters; all have the same rank, alpha, targets and base widths
 * @param priors    pi_k, positive, normalised here to sum to 1
 * @param baseModel file name of the base model the members were made for (informative)
 * @param training  free-form training metadata (stored as {@code training.KEY} in the file)
 */
public record LoraEnsemble(List<LoraAdapter> members, double[] priors, String baseModel, Map<String, String> training) {

    public LoraEnsemble {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        members = List.copyOf(members);
        for (int k = 1; k < members.size(); k++) {
            if (!members.get(0).sameShape(members.get(k))) {
                throw new IllegalArgumentException("member " + k + " differs in rank, alpha, targets or base widths from member 0");
            }
        }
        if (priors.length != members.size()) {
            throw new IllegalArgumentException(members.size() + " members but " + priors.length + " priors");
        }
        double sum = 0;
        for (int k = 0; k < priors.length; k++) {
            if (!(priors[k] > 0) || !Double.isFinite(priors[k])) {
                throw new IllegalArgumentException("prior of member " + k + " must be positive and finite, got " + priors[k]);
            }
            sum += priors[k];
        }
        double[] normalised = new double[priors.length];
        for (int k = 0; k < priors.length; k++) {
            normalised[k] = priors[k] / sum;
        }
        priors = normalised;
        training = Collections.unmodifiableMap(new LinkedHashMap<>(training));
    }

    /** Members with equal priors and no training metadata. */
    public static LoraEnsemble uniform(List<LoraAdapter> members, String baseModel) {
        double[] priors = new double[members.size()];
        Arrays.fill(priors, 1.0);
        return new LoraEnsemble(members, priors, baseModel, Map.of());
    }

    public int size() {
        return members.size();
    }

    public LoraAdapter member(int k) {
        return members.get(k);
    }

    @Override
    public double[] priors() {
        return priors.clone();
    }

    public int rank() {
        return members.get(0).rank();
    }

    public float alpha() {
        return members.get(0).alpha();
    }

    public Set<LoraTarget> targets() {
        return members.get(0).targets();
    }

    public ModelConfig config() {
        return members.get(0).config();
    }
}
