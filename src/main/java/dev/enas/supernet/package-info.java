/**
 * The shared-weight network of ENAS and the standalone networks derived from it, on DJL's PyTorch
 * engine; with {@code train}, the only package that touches DJL.
 *
 * <p>Operations follow the paper's released code. Macro layers: every branch starts with a 1x1
 * convolution, batch norm, ReLU; convolutions then run kxk convolution, batch norm, ReLU; separable
 * convolutions depthwise kxk then pointwise 1x1, batch norm, ReLU; pools 3x3 at stride 1. From
 * layer 1 on a layer adds its skip inputs and batch-normalizes the sum. Micro cells: separable
 * convolutions are two stacked ReLU, depthwise, pointwise, batch-norm units; pools 3x3 at stride 1;
 * identity. Factorized reduction: two stride-2 1x1 convolutions on the input and on the input
 * shifted by one pixel, concatenated, batch-normalized. A micro reduction cell factorized-reduces
 * both its inputs first and runs its nodes at stride 1.
 *
 * <p>A training step runs the sampled child only, so exactly the tensors it reads get gradients,
 * momentum updates, weight decay and new batch-norm statistics; every other candidate stays
 * bit-identical. Reward evaluation uses batch statistics and changes nothing. A {@link
 * dev.enas.supernet.StandaloneNetwork} runs the same code over only its architecture's weights,
 * under the same names, so supernet weights copy into it by name.
 *
 * <p>The recurrent space has its own pair: {@link dev.enas.supernet.RnnSupernet} holds the
 * embedding, decoder bias, node 0's matrix and one matrix per pair of nodes, and {@link
 * dev.enas.supernet.RnnLanguageModel} holds one cell's share of them; both run the one DJL cell in
 * {@code RnnCell}, whose math {@link dev.enas.supernet.RnnReference} defines. Windows are trained
 * with truncated back-propagation through time, carrying the hidden state between calls as a Java
 * copy.
 *
 * <p>Native memory: each network owns one NDManager for its tensors; every pass works in a
 * sub-manager closed before it returns, and only Java arrays and records leave the package.
 */
package dev.enas.supernet;
