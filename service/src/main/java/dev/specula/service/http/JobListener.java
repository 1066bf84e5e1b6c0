package dev.specula.service.http;

import dev.specula.runtime.generate.GeneratedToken;
import dev.specula.runtime.generate.GenerationResult;

/** What the generation worker reports about one job, on the worker's thread, in this order. */
interface JobListener {
    /** The prompt fits and generation begins. */
    void started(int promptTokens);

    /** @return false to cancel generation */
    boolean token(GeneratedToken token);

    void finished(GenerationResult result);

    /** The job ended without a result (bad prompt, shutdown, engine error); nothing follows. */
    void failed(RuntimeException error);
}
