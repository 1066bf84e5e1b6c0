package dev.specula.service.http;

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
 */
public record ServedModel(String id, Engine engine, Generator generator, ChatTemplate chatTemplate, long created) {

    public int contextLength() {
        return engine.contextLength();
    }
}
