package dev.specula.offload;

import dev.specula.runtime.SpeculaException;

/** A memory budget that cannot hold a flash model's fixed part and its smallest neuron cache. */
public final class BudgetTooSmallException extends SpeculaException {
    public BudgetTooSmallException(String message) {
        super(message);
    }
}
