package dev.specula.runtime.training;

/**
 * What one optimizer step did.
 *
 * @param epoch           0-based epoch
 * @param step            1-based step count since the start of training
 * @param totalSteps      steps the whole run will take
 * @param lossPerToken    the objective (without the L2 term) over the batch, per scored token
 * @param routingEntropy  mean entropy in nats of the examples' routing weights (log K: shared, 0: one member)
 * @param gradientNorm    global gradient norm before clipping
 * @param tokens          scored tokens in the batch
 */
public record StepReport(int epoch, long step, long totalSteps, double lossPerToken, double routingEntropy,
                         double gradientNorm, long tokens) {
}
