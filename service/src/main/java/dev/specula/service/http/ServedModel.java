package dev.specula.service.http;

import dev.specula.runtime.engine.EnsembleTransformer;
import dev.specula.runtime.engine.Engine;
import dev.specula.runtime.generate.Generator;

/**
 * The loaded model as the API presents it.
 *
 * @param id           the name clients pass as {@code model}: the file name without its extension
 * @param engine       the engine; only the generation worker runs it
 * @param generator    the engine's generator, reused across requests
 * @param chatTemplate how chat messages become a prompt
 * @param created      when it was loaded, in seconds since the epoch
 * @param ensemble     file name of the LoRA ensemble (or PEFT folder) the engine decodes with, null for the base
 *                     model alone
 */
public record ServedModel(String id, Engine engine, Generator generator, ChatTemplate chatTemplate, long created,
                          String ensemble) {

    public int contextLength() {
        return engine.contextLength();
    }

    /** Members whose mixture is sampled: 1 for the base model alone. */
    public int members() {
        return engine.ensemble().map(EnsembleTransformer::members).orElse(1);
    }
}
