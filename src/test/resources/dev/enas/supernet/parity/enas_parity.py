#!/usr/bin/env python3
"""ENAS child networks and their training step, written in PyTorch from the architecture
encoding, to check the Java engine against (issue #12).

This is a second, independent implementation of what the README and the Javadoc of
dev.enas.supernet define: the macro and micro convolutional networks, the recurrent cell's
language model, Nesterov SGD with weight decay and global clipping of the decayed direction, and
batch normalization with PyTorch's momentum 0.1 and epsilon 1e-5. Batch normalization, the
optimizer and the cells are written out by hand; only convolution, pooling, matrix products and
cross-entropy come from torch. Only torch, numpy and the standard library are used.

Usage: enas_parity.py DIR. DIR holds what the Java side wrote:
  run.txt              "key value" lines, and one "step LR STARTS ARCH..." line per step
  init.txt, init.f32, init.momentum.f32
                       the tensors: "name W|S AxBxC" lines, then float32 little-endian values
                       in that order (momentum: weights only)
  images.f32, labels.i32            (cnn) steps x batch images and labels
  inputs.i32, targets.i32           (rnn) steps x batch x bptt token ids, row-major
  test_images.f32, test_labels.i32  (optional, cnn) evaluated after training
and this script writes back:
  state<i>.*           (with "sync 1") the Java state before step i, which step i starts from;
                       the script then writes after<i>.* for every step
  losses.txt           one loss per step
  norms.txt            per step, the global norm of the decayed direction before clipping
  used.txt             per step, the names of the tensors the step read
  final.txt, final.f32, final.momentum.f32   every tensor after the last step
  step_seconds.txt     wall time of each step
  test_accuracy.txt    (when a test set was given) accuracy with running statistics
"""

import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

BN_MOMENTUM = 0.1
BN_EPSILON = 1e-5

MACRO_OPS = ["conv3x3", "conv5x5", "sep3x3", "sep5x5", "max3x3", "avg3x3"]
MICRO_OPS = ["sep3x3", "sep5x5", "avg3x3", "max3x3", "identity"]
# PARITY_NATIVE_BATCH_NORM=1: batch norm by F.batch_norm instead of written out (same formula).
NATIVE_BATCH_NORM = os.environ.get("PARITY_NATIVE_BATCH_NORM") == "1"
RNN_ACTIVATIONS = [torch.tanh, torch.relu, lambda x: x, torch.sigmoid]


# ---------------------------------------------------------------- files


def read_tensors(directory, prefix):
    """Returns ({name: float32 tensor}, {name: 'W' or 'S'}, {name: momentum}, [names in order])."""
    order, kinds, shapes = [], {}, {}
    with open(os.path.join(directory, prefix + ".txt")) as manifest:
        for line in manifest:
            if not line.strip():
                continue
            name, kind, shape = line.split()
            order.append(name)
            kinds[name] = kind
            shapes[name] = [int(d) for d in shape.split("x")]
    flat = np.fromfile(os.path.join(directory, prefix + ".f32"), dtype="<f4")
    moms = np.fromfile(os.path.join(directory, prefix + ".momentum.f32"), dtype="<f4")
    values, momenta = {}, {}
    at, mat = 0, 0
    for name in order:
        n = int(np.prod(shapes[name]))
        values[name] = torch.from_numpy(flat[at:at + n].copy()).reshape(shapes[name])
        at += n
        if kinds[name] == "W":
            momenta[name] = torch.from_numpy(moms[mat:mat + n].copy()).reshape(shapes[name])
            mat += n
    if at != flat.size or mat != moms.size:
        raise ValueError("the manifest of %s does not match its value files" % prefix)
    return values, kinds, momenta, order


def write_tensors(directory, prefix, order, kinds, values, momenta):
    with open(os.path.join(directory, prefix + ".txt"), "w") as manifest:
        for name in order:
            shape = "x".join(str(d) for d in values[name].shape)
            manifest.write("%s %s %s\n" % (name, kinds[name], shape))
    with open(os.path.join(directory, prefix + ".f32"), "wb") as out:
        for name in order:
            out.write(values[name].detach().numpy().astype("<f4").tobytes())
    with open(os.path.join(directory, prefix + ".momentum.f32"), "wb") as out:
        for name in order:
            if kinds[name] == "W":
                out.write(momenta[name].numpy().astype("<f4").tobytes())


def read_config(directory):
    config, steps = {}, []
    with open(os.path.join(directory, "run.txt")) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "step":
                steps.append((float(parts[1]), parts[2] == "1", " ".join(parts[3:])))
            else:
                config[parts[0]] = " ".join(parts[1:])
    return config, steps


# ---------------------------------------------------------------- architectures


def parse_macro(text):
    """'macro: op | op s0 | op s0 s1 ...' -> [(op name, [skip from j, ...]), ...]"""
    layers = []
    for i, group in enumerate(text.split(":", 1)[1].split("|")):
        numbers = [int(v) for v in group.split()]
        if len(numbers) != i + 1:
            raise ValueError("macro layer %d needs an op and %d skip bits: %r" % (i, i, group))
        layers.append((MACRO_OPS[numbers[0]], [j for j in range(i) if numbers[1 + j] == 1]))
    return layers


def parse_micro(text):
    """'micro: NORMAL ; REDUCTION', a cell 'a opa b opb | ...' -> two lists of node pairs."""
    cells = []
    for cell in text.split(":", 1)[1].split(";"):
        nodes = []
        for group in cell.split("|"):
            a, opa, b, opb = (int(v) for v in group.split())
            nodes.append(((a, MICRO_OPS[opa]), (b, MICRO_OPS[opb])))
        cells.append(nodes)
    if len(cells) != 2:
        raise ValueError("a micro architecture has a normal and a reduction cell: " + text)
    return cells


def parse_rnn(text):
    """'rnn: f0 | j1 f1 | ...' -> [(input node or None, activation id), ...]"""
    nodes = []
    for l, group in enumerate(text.split(":", 1)[1].split("|")):
        numbers = [int(v) for v in group.split()]
        nodes.append((None, numbers[0]) if l == 0 else (numbers[0], numbers[1]))
    return nodes


# ---------------------------------------------------------------- one pass over the weights


class Pass:
    """The weights as one forward pass sees them: each tensor becomes a leaf that requires a
    gradient on first read, and every read is recorded; batch norm's new running statistics are
    held back until the step commits them."""

    def __init__(self, values, kinds, mode):
        self.values = values
        self.kinds = kinds
        self.mode = mode  # "train", "batch" or "running"
        self.leaves = {}
        self.pending = {}

    def __getitem__(self, name):
        if name not in self.leaves:
            leaf = self.values[name].clone()
            if self.kinds[name] == "W" and self.mode == "train":
                leaf.requires_grad_(True)
            self.leaves[name] = leaf
        return self.leaves[name]

    def read(self):
        return list(self.leaves)

    def batch_norm(self, x, name):
        """Normalizes over (N, H, W) per channel; running variance takes the unbiased estimate."""
        gamma = self[name + ".gamma"].view(1, -1, 1, 1)
        beta = self[name + ".beta"].view(1, -1, 1, 1)
        running_mean = self[name + ".mean"]
        running_var = self[name + ".variance"]
        if NATIVE_BATCH_NORM:
            # PyTorch's own kernel, as an idiomatic model would run it (the benchmark's timing);
            # it updates the copies read above in place.
            y = F.batch_norm(x, running_mean, running_var, gamma.flatten(), beta.flatten(),
                             training=self.mode != "running", momentum=BN_MOMENTUM,
                             eps=BN_EPSILON)
            if self.mode == "train":
                self.pending[name + ".mean"] = running_mean
                self.pending[name + ".variance"] = running_var
            return y
        if self.mode == "running":
            mean, var = running_mean, running_var
        else:
            mean = x.mean(dim=(0, 2, 3))
            var = (x - mean.view(1, -1, 1, 1)).pow(2).mean(dim=(0, 2, 3))
            if self.mode == "train":
                count = x.numel() // x.shape[1]
                with torch.no_grad():
                    self.pending[name + ".mean"] = (
                        (1 - BN_MOMENTUM) * running_mean + BN_MOMENTUM * mean)
                    self.pending[name + ".variance"] = (
                        (1 - BN_MOMENTUM) * running_var
                        + BN_MOMENTUM * var * (count / (count - 1)))
        inv = torch.rsqrt(var + BN_EPSILON).view(1, -1, 1, 1)
        return (x - mean.view(1, -1, 1, 1)) * inv * gamma + beta


def pool(x, kind):
    """3x3, stride 1, padding 1; the average counts the zero padding (divides by 9)."""
    if kind == "max":
        return F.max_pool2d(x, 3, stride=1, padding=1)
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=True)


def factorized_reduce(p, x, name, relu_first):
    """Half the resolution, no pixel lost: 1x1 stride-2 convolutions of x and of x moved up and
    left by one pixel, each half of the channels, then batch norm."""
    if relu_first:
        x = torch.relu(x)
    moved = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
    a = F.conv2d(x, p[name + ".path1"], stride=2)
    b = F.conv2d(moved, p[name + ".path2"], stride=2)
    return p.batch_norm(torch.cat([a, b], dim=1), name + ".bn")


def head(p, x):
    features = torch.relu(x).mean(dim=(2, 3))
    return features @ p["head.weight"].t() + p["head.bias"]


def stem(p, image):
    return p.batch_norm(F.conv2d(image, p["stem.conv"], padding=1), "stem.bn")


# ---------------------------------------------------------------- macro


def macro_branch(p, x, name, op):
    y = torch.relu(p.batch_norm(F.conv2d(x, p[name + ".in.conv"]), name + ".in.bn"))
    if op in ("conv3x3", "conv5x5"):
        k = 3 if op == "conv3x3" else 5
        return torch.relu(p.batch_norm(F.conv2d(y, p[name + ".conv"], padding=k // 2), name + ".bn"))
    if op in ("sep3x3", "sep5x5"):
        k = 3 if op == "sep3x3" else 5
        depthwise = F.conv2d(y, p[name + ".depthwise"], padding=k // 2, groups=y.shape[1])
        return torch.relu(p.batch_norm(F.conv2d(depthwise, p[name + ".pointwise"]), name + ".bn"))
    return pool(y, op[:3])


def macro_forward(p, image, layers):
    n = len(layers)
    third = n // 3
    reductions = [third - 1, 2 * third - 1] if third >= 1 else []
    stage_of = [sum(1 for r in reductions if r < i) for i in range(n)]
    outputs = [dict() for _ in range(n)]

    def output(j, s):
        # Layer j's output brought to stage s, one factorized reduction per stage crossed.
        if s not in outputs[j]:
            r = reductions[s - 1]
            outputs[j][s] = factorized_reduce(
                p, output(j, s - 1), "reduction%d.layer%d" % (r, j), relu_first=False)
        return outputs[j][s]

    x = stem(p, image)
    for i, (op, skips) in enumerate(layers):
        s = stage_of[i]
        source = x if i == 0 else output(i - 1, s)
        y = macro_branch(p, source, "layer%d.%s" % (i, op), op)
        if i > 0:
            for j in skips:
                y = y + output(j, s)
            y = p.batch_norm(y, "layer%d.bn" % i)
        outputs[i][s] = y
    return head(p, outputs[n - 1][stage_of[n - 1]])


# ---------------------------------------------------------------- micro


def micro_op(p, x, name, op):
    if op in ("sep3x3", "sep5x5"):
        k = 3 if op == "sep3x3" else 5
        for stack in range(2):
            unit = "%s.%d" % (name, stack)
            x = F.conv2d(torch.relu(x), p[unit + ".depthwise"], padding=k // 2, groups=x.shape[1])
            x = p.batch_norm(F.conv2d(x, p[unit + ".pointwise"]), unit + ".bn")
        return x
    if op == "identity":
        return x
    return pool(x, op[:3])


def micro_cell(p, index, nodes, inputs_and_stages, stage):
    name = "cell%d" % index
    states = []
    for slot, (x, from_stage) in enumerate(inputs_and_stages):
        calib = "%s.in%d" % (name, slot)
        if from_stage == stage:
            states.append(p.batch_norm(F.conv2d(torch.relu(x), p[calib + ".conv"]), calib + ".bn"))
        else:
            states.append(factorized_reduce(p, x, calib, relu_first=True))
    consumed = set()
    for k, pairs in enumerate(nodes):
        total = None
        for slot, (source, op) in zip("xy", pairs):
            consumed.add(source)
            branch = "%s.node%d.%s.from%d.%s" % (name, k, slot, source, op)
            y = micro_op(p, states[source], branch, op)
            total = y if total is None else total + y
        states.append(total)
    # The output 1x1 convolution over the concatenated loose ends, as a sum of per-node blocks.
    out = None
    for node_id in range(2, len(states)):
        if node_id not in consumed:
            term = F.conv2d(torch.relu(states[node_id]), p["%s.out.node%d" % (name, node_id - 2)])
            out = term if out is None else out + term
    return p.batch_norm(out, name + ".out.bn")


def micro_forward(p, image, cells, per_stage):
    normal, reduction = cells
    x = stem(p, image)
    history = [(x, 0), (x, 0)]  # (output, stage) of the two previous cells
    count = 3 * per_stage + 2
    stage = 0
    for i in range(count):
        is_reduction = i in (per_stage, 2 * per_stage + 1)
        if is_reduction:
            stage += 1
        out = micro_cell(p, i, reduction if is_reduction else normal, history[-2:], stage)
        history.append((out, stage))
    return head(p, history[-1][0])


# ---------------------------------------------------------------- rnn


def rnn_window(p, cell, tokens, hidden_in, hidden):
    """tokens: (steps, batch) int64. Returns logits (steps*batch, vocabulary) and the last state."""
    consumed = {source for source, _ in cell[1:]}
    ends = [l for l in range(len(cell)) if l not in consumed]
    embedding = p["embedding"]
    h = hidden_in
    outputs = []
    for t in range(tokens.shape[0]):
        x = embedding[tokens[t]]
        states = []
        for l, (source, activation) in enumerate(cell):
            if l == 0:
                pre, carry = torch.cat([x, h], dim=1) @ p["input_weight"], h
            else:
                carry = states[source]
                pre = carry @ p["w_%d_%d" % (l, source)]
            gate = torch.sigmoid(pre[:, :hidden])
            states.append(gate * RNN_ACTIVATIONS[activation](pre[:, hidden:]) + (1 - gate) * carry)
        h = sum(states[e] for e in ends) / len(ends)
        outputs.append(h)
    out = torch.stack(outputs).reshape(-1, hidden)
    return out @ embedding.t() + p["decoder_bias"], h


# ---------------------------------------------------------------- the optimizer


def nesterov(p, values, momenta, lr, momentum, weight_decay, clip):
    """d = g + wd w over the weights the pass read; all d scaled together so that their global
    norm is at most clip; v = mu v + d; w = w - lr (d + mu v). False (nothing written) when the
    norm is not finite."""
    names = [n for n in p.read() if p.kinds[n] == "W"]
    directions = {}
    squares = 0.0
    for n in names:
        grad = p.leaves[n].grad
        if grad is None:
            grad = torch.zeros_like(values[n])
        d = grad + weight_decay * values[n]
        directions[n] = d
        squares += float((d * d).sum())
    norm = math.sqrt(squares)
    if not math.isfinite(norm):
        return norm, False
    scale = clip / norm if clip > 0 and norm > clip else 1.0
    for n in names:
        d = directions[n] * scale if scale != 1.0 else directions[n]
        v = momentum * momenta[n] + d
        momenta[n] = v
        values[n] = values[n] - lr * (d + momentum * v)
    return norm, True


# ---------------------------------------------------------------- driver


def main(directory):
    torch.set_num_threads(int(os.environ.get("PARITY_THREADS", "1")))
    config, steps = read_config(directory)
    values, kinds, momenta, order = read_tensors(directory, "init")
    # PARITY_FLOAT64=1 reruns a case in double precision: how far float32 rounding alone carries
    # two runs apart, when a comparison fails.
    dtype = torch.float64 if os.environ.get("PARITY_FLOAT64") == "1" else torch.float32
    values = {n: v.to(dtype) for n, v in values.items()}
    momenta = {n: v.to(dtype) for n, v in momenta.items()}
    space = config["space"]
    momentum = float(config["momentum"])
    weight_decay = float(config["weight_decay"])
    clip = float(config["clip"])
    batch = int(config["batch"])

    if space == "rnn":
        hidden = int(config["hidden"])
        bptt = int(config["bptt"])
        inputs = np.fromfile(os.path.join(directory, "inputs.i32"), dtype="<i4")
        targets = np.fromfile(os.path.join(directory, "targets.i32"), dtype="<i4")
        inputs = inputs.reshape(len(steps), batch, bptt).astype(np.int64)
        targets = targets.reshape(len(steps), batch, bptt).astype(np.int64)
    else:
        shape = [int(config[k]) for k in ("in_channels", "height", "width")]
        images = np.fromfile(os.path.join(directory, "images.f32"), dtype="<f4")
        images = images.reshape([len(steps), batch] + shape)
        labels = np.fromfile(os.path.join(directory, "labels.i32"), dtype="<i4").astype(np.int64)
        labels = labels.reshape(len(steps), batch)

    def forward(p, text, x):
        if space == "macro":
            return macro_forward(p, x, parse_macro(text))
        return micro_forward(p, x, parse_micro(text), int(config["depth"]))

    losses, norms, used, seconds = [], [], [], []
    carried = None
    # With "sync 1" every step starts from the state the Java side had before it (state<i>) and
    # the state after it is written (after<i>): one-step agreement along the Java trajectory, for
    # networks whose free-running float32 trajectories part by rounding alone.
    sync = config.get("sync") == "1"
    for i, (lr, starts, text) in enumerate(steps):
        if sync:
            values, kinds, momenta, order = read_tensors(directory, "state%d" % i)
            values = {n: v.to(dtype) for n, v in values.items()}
            momenta = {n: v.to(dtype) for n, v in momenta.items()}
        began = time.perf_counter()
        p = Pass(values, kinds, "train")
        if space == "rnn":
            if starts or carried is None:
                carried = torch.zeros(batch, hidden, dtype=dtype)
            tokens = torch.from_numpy(inputs[i].T.copy())
            wanted = torch.from_numpy(targets[i].T.reshape(-1).copy())
            logits, last = rnn_window(p, parse_rnn(text), tokens, carried, hidden)
            loss = F.cross_entropy(logits, wanted)
        else:
            logits = forward(p, text, torch.from_numpy(images[i]).to(dtype))
            loss = F.cross_entropy(logits, torch.from_numpy(labels[i]))
        if not math.isfinite(float(loss)):
            raise RuntimeError("step %d: the loss is %s" % (i, float(loss)))
        loss.backward()
        with torch.no_grad():
            norm, applied = nesterov(p, values, momenta, lr, momentum, weight_decay, clip)
            if not applied:
                raise RuntimeError("step %d: the gradient norm is not finite" % i)
            values.update(p.pending)
        if space == "rnn":
            carried = last.detach()
        seconds.append(time.perf_counter() - began)
        if sync:
            write_tensors(directory, "after%d" % i, order, kinds, values, momenta)
        losses.append(float(loss))
        norms.append(norm)
        used.append(p.read())

    with open(os.path.join(directory, "losses.txt"), "w") as f:
        f.writelines("%.9e\n" % v for v in losses)
    with open(os.path.join(directory, "norms.txt"), "w") as f:
        f.writelines("%.9e\n" % v for v in norms)
    with open(os.path.join(directory, "used.txt"), "w") as f:
        f.writelines(" ".join(names) + "\n" for names in used)
    with open(os.path.join(directory, "step_seconds.txt"), "w") as f:
        f.writelines("%.9f\n" % v for v in seconds)
    write_tensors(directory, "final", order, kinds, values, momenta)

    test = os.path.join(directory, "test_images.f32")
    if space != "rnn" and os.path.exists(test):
        test_images = np.fromfile(test, dtype="<f4").reshape([-1] + shape)
        test_labels = np.fromfile(os.path.join(directory, "test_labels.i32"), dtype="<i4")
        correct = 0
        with torch.no_grad():
            for at in range(0, len(test_labels), 500):
                p = Pass(values, kinds, "running")
                logits = forward(p, steps[-1][2], torch.from_numpy(test_images[at:at + 500]))
                predicted = logits.argmax(dim=1).numpy()
                correct += int((predicted == test_labels[at:at + 500]).sum())
        with open(os.path.join(directory, "test_accuracy.txt"), "w") as f:
            f.write("%.9f\n" % (correct / len(test_labels)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: enas_parity.py DIR")
    main(sys.argv[1])
