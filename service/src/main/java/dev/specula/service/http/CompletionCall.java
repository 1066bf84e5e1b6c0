package dev.specula.service.http;

import dev.specula.runtime.generate.GenerationRequest;
import dev.specula.runtime.sampling.SamplerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * A validated completion or chat completion request.
 *
 * @param chat       whether it came to /v1/chat/completions
 * @param generation what the engine runs
 * @param stream     answer with server-sent events
 * @param logprobs   report per-token log-probabilities and uncertainty
 */
public record CompletionCall(boolean chat, GenerationRequest generation, boolean stream, boolean logprobs) {
    /** OpenAI's default for /v1/completions. */
    static final int DEFAULT_COMPLETION_TOKENS = 16;
    static final int REPETITION_WINDOW = 64;

    /** Reads a /v1/completions body. */
    static CompletionCall text(RequestReader r, ServedModel model) {
        checkModel(r, model);
        boolean logprobs = r.has("logprobs");
        int top = logprobs ? r.integer("logprobs", 0, 0, GenerationRequest.MAX_TOP_LOGPROBS) : 0;
        return new CompletionCall(false, generation(r, prompt(r), DEFAULT_COMPLETION_TOKENS, List.of(), top),
                r.bool("stream", false), logprobs);
    }

    /** Reads a /v1/chat/completions body; the prompt comes from the model's chat template. */
    static CompletionCall chat(RequestReader r, ServedModel model) {
        checkModel(r, model);
        boolean logprobs = r.bool("logprobs", false);
        int top = r.integer("top_logprobs", 0, 0, GenerationRequest.MAX_TOP_LOGPROBS);
        if (top > 0 && !logprobs) {
            throw ApiException.badRequest("top_logprobs", "top_logprobs requires logprobs: true");
        }
        String prompt = model.chatTemplate().render(messages(r));
        int defaultTokens = r.has("max_completion_tokens")
                ? r.integer("max_completion_tokens", 1, 1, Integer.MAX_VALUE) : model.contextLength();
        return new CompletionCall(true, generation(r, prompt, defaultTokens, model.chatTemplate().stops(), top),
                r.bool("stream", false), logprobs);
    }

    private static void checkModel(RequestReader r, ServedModel model) {
        String name = r.string("model", model.id());
        if (!name.equals(model.id())) {
            throw ApiException.unknownModel(name, model.id());
        }
        if (r.integer("n", 1) != 1) {
            throw ApiException.badRequest("n", "invalid n: only n=1 is supported");
        }
        for (String unsupported : List.of("frequency_penalty", "presence_penalty")) {
            if (r.number(unsupported, 0) != 0) {
                throw ApiException.badRequest(unsupported, unsupported + " is not supported: use repetition_penalty");
            }
        }
    }

    private static String prompt(RequestReader r) {
        Object p = r.raw("prompt");
        if (p instanceof List<?> list && list.size() == 1 && list.getFirst() instanceof String s) {
            return s;
        }
        if (p instanceof List<?>) {
            throw ApiException.badRequest("prompt", "invalid prompt: only a single string prompt is supported");
        }
        String prompt = r.string("prompt", null);
        if (prompt == null) {
            throw ApiException.badRequest("prompt", "prompt is missing");
        }
        return prompt;
    }

    private static List<ChatMessage> messages(RequestReader r) {
        List<ChatMessage> out = new ArrayList<>();
        for (RequestReader m : r.objects("messages")) {
            String role = m.string("role", null);
            if (role == null || role.isEmpty()) {
                throw ApiException.badRequest("messages", "every message needs a role");
            }
            out.add(new ChatMessage(role.equals("developer") ? "system" : role, content(m)));
        }
        return out;
    }

    /** A string, or an array of parts of which the text parts are joined. */
    private static String content(RequestReader m) {
        if (m.raw("content") instanceof List<?>) {
            StringBuilder text = new StringBuilder();
            for (RequestReader part : m.objects("content")) {
                if (!"text".equals(part.string("type", null))) {
                    throw ApiException.badRequest("messages", "only text content parts are supported");
                }
                text.append(part.string("text", ""));
            }
            return text.toString();
        }
        return m.string("content", "");
    }

    private static GenerationRequest generation(RequestReader r, String prompt, int defaultMaxTokens,
                                                List<String> templateStops, int topLogprobs) {
        int maxTokens = r.integer("max_tokens", defaultMaxTokens, 1, Integer.MAX_VALUE);
        List<String> stop = new ArrayList<>(r.strings("stop"));
        stop.addAll(templateStops);
        SamplerConfig sampler = new SamplerConfig(
                (float) r.number("temperature", 1.0),
                r.integer("top_k", 0, 0, Integer.MAX_VALUE),
                (float) r.number("top_p", 1.0),
                (float) r.number("min_p", 0.0),
                (float) r.number("repetition_penalty", 1.0),
                REPETITION_WINDOW,
                r.integer("seed", System.nanoTime()));
        return new GenerationRequest(prompt, maxTokens, sampler, stop, topLogprobs);
    }
}
