/**
 * Data for the search spaces. Images for the CNN spaces: readers for IDX and CIFAR-10 files, the
 * embedded Fashion-MNIST subset, stratified train/validation splits, normalisation, augmentation
 * and prefetched minibatches. Text for the recurrent space: a reader for Penn-Treebank-style files,
 * the vocabulary, the embedded sonnets corpus and the language-model batching that carries state
 * across windows.
 *
 * <p>Everything here is plain Java on {@code byte[]}, {@code int[]} and {@code float[]}: tensors
 * are built from {@link dev.enas.data.Batch} and {@link dev.enas.data.TokenBatch} by the training
 * code, so this package never touches a native engine.
 */
package dev.enas.data;
