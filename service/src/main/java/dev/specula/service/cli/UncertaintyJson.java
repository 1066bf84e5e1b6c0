package dev.specula.service.cli;

import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.json.Json;
import dev.specula.runtime.uncertainty.TokenUncertainty;

import java.util.Locale;

/**
 * One JSON object per generated token (JSON Lines), for {@code generate --uncertainty json}:
 * {@code {"index","id","text","logprob","entropy","expected_entropy","mutual_information",
 * "disagreement","member_probs":[...]}}; entropies in nats, member_probs is p_k(chosen token).
 */
final class UncertaintyJson {
    private UncertaintyJson() {
    }

    static String line(int index, GeneratedToken token) {
        TokenUncertainty u = token.uncertainty();
        StringBuilder b = new StringBuilder(160);
        b.append("{\"index\":").append(index)
                .append(",\"id\":").append(token.id())
                .append(",\"text\":").append(Json.quote(token.text()))
                .append(",\"logprob\":").append(number(u.logprob()))
                .append(",\"entropy\":").append(number(u.totalEntropy()))
                .append(",\"expected_entropy\":").append(number(u.expectedEntropy()))
                .append(",\"mutual_information\":").append(number(u.mutualInformation()))
                .append(",\"disagreement\":").append(number(u.disagreement()))
                .append(",\"member_probs\":[");
        double[] p = u.memberProbabilities();
        for (int k = 0; k < p.length; k++) {
            b.append(k == 0 ? "" : ",").append(number(p[k]));
        }
        return b.append("]}").toString();
    }

    // JSON has no infinities: a token of probability 0 (possible after top-k) is reported as null.
    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }
}
