#!/usr/bin/env python3
"""PyTorch's side of the vs-pytorch benchmark: the training step of one ENAS child as a plain
PyTorch user would write it, timed step by step.

The child's forward pass is the parity tests' (enas_parity.py: the same macro and micro networks,
read from the tensors the Java side wrote), but the weights are ordinary persistent leaf tensors,
batch norm is PyTorch's own kernel updating its running statistics in place, and the optimizer is
torch.optim.SGD (Nesterov, the same momentum and weight decay) over the weights the child reads,
after torch.nn.utils.clip_grad_norm_ at the same bound. That is the step an idiomatic PyTorch
script of this child runs; the Java side's step does the same work (it clips the decayed direction
rather than the gradient, which costs the same).

Usage: step_vs_pytorch.py DIR THREADS WARMUP STEPS. DIR holds run.txt (space, batch, depth,
in_channels, height, width, momentum, weight_decay, clip, lr, child), init.txt / init.f32 /
init.momentum.f32 (the Java network's tensors), images.f32 and labels.i32 (BATCHES x batch).
Writes step_seconds.txt (the measured steps), losses.txt and torch_version.txt."""

import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "test", "resources", "dev", "enas",
                                "supernet", "parity"))
os.environ["PARITY_NATIVE_BATCH_NORM"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import enas_parity  # noqa: E402


class Weights(enas_parity.Pass):
    """The parity forward pass's view of the weights, without its per-step copies: every read
    returns the persistent tensor itself, as an nn.Module's parameters would be."""

    def __getitem__(self, name):
        if name not in self.leaves:
            self.leaves[name] = self.values[name]
        return self.leaves[name]


def main(directory, threads, warmup, steps):
    torch.set_num_threads(threads)
    config = {}
    with open(os.path.join(directory, "run.txt")) as f:
        for line in f:
            parts = line.split()
            if parts:
                config[parts[0]] = " ".join(parts[1:])
    values, kinds, _, _ = enas_parity.read_tensors(directory, "init")
    for name, kind in kinds.items():
        if kind == "W":
            values[name].requires_grad_(True)
    space = config["space"]
    child = config["child"]
    batch = int(config["batch"])
    shape = [int(config[k]) for k in ("in_channels", "height", "width")]
    images = np.fromfile(os.path.join(directory, "images.f32"), dtype="<f4")
    images = torch.from_numpy(images.reshape([-1, batch] + shape).copy())
    labels = np.fromfile(os.path.join(directory, "labels.i32"), dtype="<i4").astype(np.int64)
    labels = torch.from_numpy(labels.reshape(-1, batch).copy())

    def forward(x):
        p = Weights(values, kinds, "train")
        if space == "macro":
            out = enas_parity.macro_forward(p, x, enas_parity.parse_macro(child))
        else:
            out = enas_parity.micro_forward(p, x, enas_parity.parse_micro(child),
                                            int(config["depth"]))
        return p, out

    # The child's weights: what the optimizer of a model of this child would hold.
    with torch.no_grad():
        p, _ = forward(images[0][:2])
    params = [values[n] for n in p.read() if kinds[n] == "W"]
    optimizer = torch.optim.SGD(params, lr=float(config["lr"]),
                                momentum=float(config["momentum"]), nesterov=True,
                                weight_decay=float(config["weight_decay"]))
    clip = float(config["clip"])

    seconds, losses, phases, usage = [], [], [], []
    for i in range(warmup + steps):
        x = images[i % len(images)]
        y = labels[i % len(labels)]
        before = resource.getrusage(resource.RUSAGE_SELF)
        began = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        _, logits = forward(x)
        loss = F.cross_entropy(logits, y)
        forwarded = time.perf_counter()
        loss.backward()
        backwarded = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, clip)
        clipped = time.perf_counter()
        optimizer.step()
        value = float(loss)
        elapsed = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_SELF)
        if i >= warmup:
            usage.append((after.ru_minflt - before.ru_minflt, after.ru_utime - before.ru_utime,
                          after.ru_stime - before.ru_stime))
            seconds.append(elapsed)
            losses.append(value)
            phases.append((forwarded - began, backwarded - forwarded, clipped - backwarded,
                           began + elapsed - clipped))

    with open(os.path.join(directory, "step_seconds.txt"), "w") as f:
        f.writelines("%.9f\n" % v for v in seconds)
    # Per step: forward with the loss, backward, clipping, the optimizer's step (seconds).
    with open(os.path.join(directory, "phase_seconds.txt"), "w") as f:
        f.writelines("%.9f %.9f %.9f %.9f\n" % p for p in phases)
    # Per step: minor page faults, user and system CPU seconds of the process.
    with open(os.path.join(directory, "rusage.txt"), "w") as f:
        f.writelines("%d %.6f %.6f\n" % u for u in usage)
    with open(os.path.join(directory, "losses.txt"), "w") as f:
        f.writelines("%.9e\n" % v for v in losses)
    with open(os.path.join(directory, "torch_version.txt"), "w") as f:
        f.write("%s %d %d\n" % (torch.__version__, torch.get_num_threads(), len(params)))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: step_vs_pytorch.py DIR THREADS WARMUP STEPS")
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
