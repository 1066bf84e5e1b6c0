package dev.specula.runtime.generate;

/** Why generation ended; the names are OpenAI's finish_reason values. */
public enum FinishReason {
    /** End-of-sequence token or a stop string. */
    STOP,
    /** max_tokens reached or the context is full. */
    LENGTH,
    /** The listener asked to stop (e.g. the client went away). */
    CANCELLED
}
