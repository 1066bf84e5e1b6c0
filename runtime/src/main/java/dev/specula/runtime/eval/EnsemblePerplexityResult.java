package dev.specula.runtime.eval;

import java.util.List;

/**
 * @param mixture the perplexity of the members' mixture {@code sum_k pi_k p_k}
 * @param members each member's own perplexity on the same predictions, in ensemble order
 */
public record EnsemblePerplexityResult(PerplexityResult mixture, List<PerplexityResult> members) {
    public EnsemblePerplexityResult {
        members = List.copyOf(members);
    }
}
