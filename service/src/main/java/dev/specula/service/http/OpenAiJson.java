package dev.specula.service.http;

import dev.specula.runtime.generate.FinishReason;
import dev.specula.runtime.generate.GenerationResult;
import dev.specula.runtime.lora.LoraEnsemble;
import dev.specula.runtime.lora.LoraTarget;
import dev.specula.runtime.uncertainty.Statistic;
import dev.specula.runtime.uncertainty.TokenUncertainty;
import dev.specula.runtime.uncertainty.UncertaintySummary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds OpenAI-shaped response objects (as ordered maps for {@link JsonWriter}), each with Specula's
 * {@code uncertainty} member: the response summary, and per-token values when logprobs were asked for.
 */
final class OpenAiJson {
    private OpenAiJson() {
    }

    /** Identity of one response, shared by all its stream chunks. */
    record Head(String id, long created, String model, boolean chat) {
        Map<String, Object> start(boolean chunk) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
            m.put("created", created);
            m.put("model", model);
            return m;
        }
    }

    static Map<String, Object> error(String message, String type, String param, String code) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", message);
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return Map.of("error", e);
    }

    static Map<String, Object> models(ServedModel model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", model.id());
        m.put("object", "model");
        m.put("created", model.created());
        m.put("owned_by", "specula");
        m.put("context_length", model.contextLength());
        m.put("ensemble", model.engine().ensemble().map(e -> ensemble(model.ensemble(), e.ensemble())).orElse(null));
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("object", "list");
        list.put("data", List.of(m));
        return list;
    }

    /** The LoRA ensemble a model decodes with, as /v1/models describes it. */
    private static Map<String, Object> ensemble(String name, LoraEnsemble e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("members", e.size());
        m.put("rank", e.rank());
        m.put("lora_alpha", e.alpha());
        m.put("targets", LoraTarget.join(e.targets()));
        return m;
    }

    /** A whole non-streamed response; {@code tokens} is null unless logprobs were asked for. */
    static Map<String, Object> response(Head head, GenerationResult r, List<TokenView> tokens) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (head.chat()) {
            choice.put("message", Map.of("role", "assistant", "content", r.text()));
        } else {
            choice.put("text", r.text());
        }
        choice.put("logprobs", tokens == null ? null : logprobs(head.chat(), tokens));
        choice.put("finish_reason", finishReason(r.finishReason()));
        Map<String, Object> m = head.start(false);
        m.put("choices", List.of(choice));
        m.put("usage", usage(r));
        Map<String, Object> u = summary(r.uncertainty());
        if (tokens != null) {
            u.put("per_token", tokens.stream().map(t -> perToken(t.token(), t.uncertainty())).toList());
        }
        m.put("uncertainty", u);
        return m;
    }

    /** A stream chunk carrying new text; {@code token} is null when it is not a token of its own. */
    static Map<String, Object> chunk(Head head, String text, TokenView token, boolean logprobs) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (head.chat()) {
            choice.put("delta", Map.of("content", text));
        } else {
            choice.put("text", text);
        }
        boolean withToken = logprobs && token != null;
        choice.put("logprobs", withToken ? logprobs(head.chat(), List.of(token)) : null);
        choice.put("finish_reason", null);
        Map<String, Object> m = head.start(true);
        m.put("choices", List.of(choice));
        if (withToken) {
            m.put("uncertainty", Map.of("per_token", List.of(perToken(token.token(), token.uncertainty()))));
        }
        return m;
    }

    /** The first chat chunk, announcing the assistant's role as OpenAI does. */
    static Map<String, Object> roleChunk(Head head) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", Map.of("role", "assistant", "content", ""));
        choice.put("logprobs", null);
        choice.put("finish_reason", null);
        Map<String, Object> m = head.start(true);
        m.put("choices", List.of(choice));
        return m;
    }

    /** The last chunk before [DONE]: finish reason, usage and the response's uncertainty summary. */
    static Map<String, Object> finalChunk(Head head, GenerationResult r) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (head.chat()) {
            choice.put("delta", Map.of());
        } else {
            choice.put("text", "");
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason(r.finishReason()));
        Map<String, Object> m = head.start(true);
        m.put("choices", List.of(choice));
        m.put("usage", usage(r));
        m.put("uncertainty", summary(r.uncertainty()));
        return m;
    }

    static String finishReason(FinishReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> usage(GenerationResult r) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", r.generatedTokens());
        u.put("total_tokens", r.promptTokens() + r.generatedTokens());
        return u;
    }

    private static Map<String, Object> summary(UncertaintySummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("members", s.members());
        m.put("tokens", s.tokens());
        m.put("total_entropy", statistic(s.totalEntropy()));
        m.put("expected_entropy", statistic(s.expectedEntropy()));
        m.put("mutual_information", statistic(s.mutualInformation()));
        m.put("disagreement", statistic(s.disagreement()));
        m.put("member_log_likelihoods", s.memberLogLikelihoods());
        m.put("responsibilities", s.responsibilities());
        return m;
    }

    private static Map<String, Object> statistic(Statistic s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", s.mean());
        m.put("max", s.max());
        return m;
    }

    private static Map<String, Object> perToken(String token, TokenUncertainty u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", token);
        m.put("logprob", u.logprob());
        m.put("total_entropy", u.totalEntropy());
        m.put("expected_entropy", u.expectedEntropy());
        m.put("mutual_information", u.mutualInformation());
        m.put("disagreement", u.disagreement());
        m.put("member_probabilities", u.memberProbabilities());
        return m;
    }

    /** OpenAI's logprobs: chat's {@code content} list, or the legacy completions layout. */
    private static Map<String, Object> logprobs(boolean chat, List<TokenView> tokens) {
        if (chat) {
            List<Object> content = new ArrayList<>(tokens.size());
            for (TokenView t : tokens) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("token", t.token());
                m.put("logprob", t.uncertainty().logprob());
                m.put("bytes", unsigned(t.bytes()));
                m.put("top_logprobs", t.top().stream().map(c -> {
                    Map<String, Object> alt = new LinkedHashMap<>();
                    alt.put("token", c.token());
                    alt.put("logprob", c.logprob());
                    alt.put("bytes", unsigned(c.bytes()));
                    return alt;
                }).toList());
                content.add(m);
            }
            return Map.of("content", content);
        }
        List<Object> texts = new ArrayList<>(tokens.size());
        List<Object> logprobs = new ArrayList<>(tokens.size());
        List<Object> tops = new ArrayList<>(tokens.size());
        for (TokenView t : tokens) {
            texts.add(t.token());
            logprobs.add(t.uncertainty().logprob());
            Map<String, Object> top = new LinkedHashMap<>();
            t.top().forEach(c -> top.putIfAbsent(c.token(), c.logprob()));
            tops.add(top);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", texts);
        m.put("token_logprobs", logprobs);
        m.put("top_logprobs", tops);
        return m;
    }

    private static int[] unsigned(byte[] bytes) {
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }
}
