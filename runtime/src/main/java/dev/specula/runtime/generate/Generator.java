package dev.specula.runtime.generate;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.engine.AttentionFactory;
import dev.specula.runtime.engine.Transformer;
import dev.specula.runtime.sampling.Sampler;
import dev.specula.runtime.tokenizer.Tokenizer;
import dev.specula.runtime.tokenizer.Utf8Accumulator;
import dev.specula.runtime.uncertainty.Alternative;
import dev.specula.runtime.uncertainty.TokenUncertainty;
import dev.specula.runtime.uncertainty.UncertaintyAccumulator;

/** Runs the prompt through the model, then samples tokens one by one until a stop condition. */
public final class Generator {
    private final Decoder decoder;
    private final Tokenizer tokenizer;
    private final int contextLength;

    public Generator(Transformer transformer, Tokenizer tokenizer, AttentionFactory attention, int contextLength) {
        this(new ModelDecoder(transformer, attention), tokenizer, contextLength);
    }

    public Generator(Decoder decoder, Tokenizer tokenizer, int contextLength) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    /** Prompt tokens as the model sees them: BOS (when the vocabulary wants it) then the text. */
    public int[] promptTokens(String prompt) {
        int[] text = tokenizer.encode(prompt);
        if (!tokenizer.addBos() || tokenizer.bos() < 0) {
            return text;
        }
        int[] withBos = new int[text.length + 1];
        withBos[0] = tokenizer.bos();
        System.arraycopy(text, 0, withBos, 1, text.length);
        return withBos;
    }

    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        int[] prompt = promptTokens(request.prompt());
        if (prompt.length == 0) {
            throw new SpeculaException("the prompt is empty and the vocabulary has no BOS token to start from");
        }
        if (prompt.length >= contextLength) {
            throw new SpeculaException("prompt of " + prompt.length + " tokens does not fit the context length of "
                    + contextLength + " (at least one position must be left for generation)");
        }
        try (Decoding session = decoder.open(contextLength)) {
            return run(session, request, prompt, listener);
        }
    }

    private GenerationResult run(Decoding session, GenerationRequest request, int[] prompt, TokenListener listener) {
        Sampler sampler = new Sampler(request.sampler(), decoder.vocabSize());
        Utf8Accumulator utf8 = new Utf8Accumulator();
        StopStringFilter stops = new StopStringFilter(request.stop());
        StringBuilder text = new StringBuilder();
        UncertaintyAccumulator uncertainty = new UncertaintyAccumulator(decoder.priors());
        Alternative[] noAlternatives = new Alternative[0];

        long start = System.nanoTime();
        float[] logits = session.append(prompt, 0, prompt.length);
        long promptDone = System.nanoTime();

        int generated = 0;
        FinishReason reason = null;
        int[] next = new int[1];
        while (reason == null) {
            int token = sampler.sample(logits, session.tokens(), session.position());
            if (tokenizer.isEndOfGeneration(token)) {
                reason = FinishReason.STOP;
                break;
            }
            generated++;
            TokenUncertainty u = session.uncertainty(token);
            uncertainty.add(u);
            String piece = stops.push(utf8.append(tokenizer.tokenBytes(token)));
            text.append(piece);
            Alternative[] top = request.topLogprobs() > 0 ? session.top(request.topLogprobs()) : noAlternatives;
            if (!listener.onToken(new GeneratedToken(token, piece, u, top))) {
                reason = FinishReason.CANCELLED;
            } else if (stops.stopped()) {
                reason = FinishReason.STOP;
            } else if (generated >= request.maxTokens() || session.position() >= session.capacity()) {
                reason = FinishReason.LENGTH;
            } else {
                next[0] = token;
                logits = session.append(next, 0, 1);
            }
        }
        if (!stops.stopped()) {
            String rest = stops.push(utf8.flush());
            rest = stops.stopped() ? rest : rest + stops.flush();
            if (!rest.isEmpty()) {
                text.append(rest);
                listener.onToken(GeneratedToken.flush(rest));
            }
        }
        long end = System.nanoTime();
        return new GenerationResult(text.toString(), prompt.length, generated, reason, promptDone - start,
                end - promptDone, uncertainty.summary());
    }
}
