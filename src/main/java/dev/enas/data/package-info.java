/**
 * Image data for the CNN search spaces: readers for IDX and CIFAR-10 files, the embedded Fashion-MNIST
 * subset, stratified train/validation splits, normalisation, augmentation and prefetched minibatches.
 *
 * <p>Everything here is plain Java on {@code byte[]} and {@code float[]}: tensors are built from
 * {@link dev.enas.data.Batch} by the training code, so this package never touches a native engine.
 */
package dev.enas.data;
