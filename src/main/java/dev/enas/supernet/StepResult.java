package dev.enas.supernet;

/**
 * What one training step did: the minibatch's mean cross-entropy and accuracy before the update,
 * the global norm of the regularized gradient before clipping, whether the update was applied (it
 * is not when the loss or the gradient is NaN or infinite, and then nothing stored changed), and
 * how many weight tensors it updated.
 */
public record StepResult(
    double loss, double accuracy, double gradientNorm, boolean applied, int updatedTensors) {}
