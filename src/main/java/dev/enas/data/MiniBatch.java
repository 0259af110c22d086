package dev.enas.data;

/**
 * One minibatch of some task, handed whole to the model that trains or scores on it: a {@link
 * Batch} of images for the convolutional spaces, a {@code TokenBatch} window of text for the
 * recurrent-cell space. Plain arrays only, so a batch can travel in an actor message.
 */
public interface MiniBatch {}
