#!/usr/bin/env python3
"""torch 1.13's side of the op-vs-pytorch benchmark: each operation of a child network alone,
its forward pass with autograd on (input and weights requiring gradients, as inside a training
step) and the backward pass of the sum of its output, timed apart.

Usage: ops_vs_pytorch.py DIR THREADS. DIR/cases.txt holds "BATCH WARMUP REPS" on its first line,
then one "KIND CHANNELS SIZE" per line (OpBench.java writes it). Writes DIR/times.txt, one line
"FORWARD_MS BACKWARD_MS" per case (the medians of the measured repetitions), and
DIR/torch_version.txt."""

import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def weights(kind, ch, size, batch):
    def normal(*shape):
        return torch.randn(*shape) * 0.1

    if kind == "conv3x3":
        return [normal(ch, ch, 3, 3)]
    if kind == "conv5x5":
        return [normal(ch, ch, 5, 5)]
    if kind == "conv1x1":
        return [normal(ch, ch, 1, 1)]
    if kind in ("sepconv3x3", "sepconv5x5"):
        k = 3 if kind == "sepconv3x3" else 5
        return [normal(ch, 1, k, k), normal(ch, ch, 1, 1), torch.ones(ch), torch.zeros(ch)]
    if kind == "dwconv3x3":
        return [normal(ch, 1, 3, 3)]
    if kind == "dwconv5x5":
        return [normal(ch, 1, 5, 5)]
    if kind == "batchnorm":
        return [torch.ones(ch), torch.zeros(ch)]
    if kind in ("add", "tiny-add"):
        return [torch.randn(1)]
    if kind == "concat4":
        return [torch.randn(batch, ch, size, size) for _ in range(3)]
    return []


def batch_norm(x, ch, gamma, beta):
    return F.batch_norm(x, torch.zeros(ch), torch.ones(ch), gamma, beta, training=True,
                        momentum=0.1, eps=1e-5)


def apply(kind, ch, x, w):
    if kind == "conv3x3":
        return F.conv2d(x, w[0], padding=1)
    if kind == "conv5x5":
        return F.conv2d(x, w[0], padding=2)
    if kind == "conv1x1":
        return F.conv2d(x, w[0])
    if kind == "dwconv3x3":
        return F.conv2d(x, w[0], padding=1, groups=ch)
    if kind == "dwconv5x5":
        return F.conv2d(x, w[0], padding=2, groups=ch)
    if kind == "batchnorm":
        return batch_norm(x, ch, w[0], w[1])
    if kind in ("sepconv3x3", "sepconv5x5"):
        pad = 1 if kind == "sepconv3x3" else 2
        y = F.conv2d(F.relu(x), w[0], padding=pad, groups=ch)
        return batch_norm(F.conv2d(y, w[1]), ch, w[2], w[3])
    if kind == "relu":
        return F.relu(x)
    if kind == "maxpool3x3":
        return F.max_pool2d(x, 3, stride=1, padding=1)
    if kind == "avgpool3x3":
        return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    if kind == "add":
        return x + x * w[0]
    if kind == "tiny-add":
        return x + w[0]
    if kind == "concat4":
        return torch.cat([x] + w, 1)
    raise ValueError("unknown operation " + kind)


def measure(kind, ch, size, batch, warmup, reps):
    torch.manual_seed(1)
    x0 = torch.randn(1) if kind == "tiny-add" else torch.randn(batch, ch, size, size)
    w0 = weights(kind, ch, size, batch)
    forward, backward = [], []
    for i in range(warmup + reps):
        x = x0.clone().requires_grad_(True)
        w = [t.clone().requires_grad_(True) for t in w0]
        t0 = time.perf_counter()
        y = apply(kind, ch, x, w)
        t1 = time.perf_counter()
        y.sum().backward()
        t2 = time.perf_counter()
        if i >= warmup:
            forward.append((t1 - t0) * 1e3)
            backward.append((t2 - t1) * 1e3)
    return statistics.median(forward), statistics.median(backward)


def main(directory, threads):
    torch.set_num_threads(threads)
    with open(os.path.join(directory, "cases.txt")) as f:
        lines = [line.split() for line in f if line.strip()]
    batch, warmup, reps = (int(v) for v in lines[0])
    out = []
    for kind, ch, size in lines[1:]:
        fwd, bwd = measure(kind, int(ch), int(size), batch, warmup, reps)
        out.append("%.6f %.6f\n" % (fwd, bwd))
    with open(os.path.join(directory, "times.txt"), "w") as f:
        f.writelines(out)
    with open(os.path.join(directory, "torch_version.txt"), "w") as f:
        f.write("%s, %d intra-op thread(s), mkldnn %s\n"
                % (torch.__version__, torch.get_num_threads(),
                   torch.backends.mkldnn.is_available()))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ops_vs_pytorch.py DIR THREADS")
    main(sys.argv[1], int(sys.argv[2]))
