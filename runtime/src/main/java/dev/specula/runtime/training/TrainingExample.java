package dev.specula.runtime.training;

/**
 * One training sequence: position {@code t} predicts {@code tokens[t + 1]}, and only the
 * predictions of {@code tokens[firstTarget ..]} are scored (a prompt before it is context only).
 */
public record TrainingExample(int[] tokens, int firstTarget) {

    public TrainingExample {
        if (tokens.length < 2) {
            throw new IllegalArgumentException("a training example needs at least 2 tokens, got " + tokens.length);
        }
        if (firstTarget < 1 || firstTarget >= tokens.length) {
            throw new IllegalArgumentException("firstTarget " + firstTarget + " outside [1, " + tokens.length + ")");
        }
    }

    /** Number of scored next-token predictions. */
    public int targets() {
        return tokens.length - firstTarget;
    }
}
