#!/usr/bin/env python3
"""PyTorch's side of the retrain-vs-pytorch benchmark: trains the network the Java side describes
in DIR (weights, batches, learning rates, test set), with the parity tests' implementation of the
ENAS networks and of the Nesterov step, but batch norm through PyTorch's own kernel.

Usage: retrain_vs_pytorch.py DIR THREADS. Writes DIR/torch_version.txt beside the parity
script's outputs (losses, step_seconds, test_accuracy)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "test", "resources", "dev", "enas",
                                "supernet", "parity"))
os.environ["PARITY_NATIVE_BATCH_NORM"] = "1"
os.environ["PARITY_THREADS"] = sys.argv[2]

import torch  # noqa: E402
import enas_parity  # noqa: E402

if __name__ == "__main__":
    directory = sys.argv[1]
    enas_parity.main(directory)
    with open(os.path.join(directory, "torch_version.txt"), "w") as f:
        f.write("%s %d\n" % (torch.__version__, torch.get_num_threads()))
