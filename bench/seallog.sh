#!/bin/sh
# Seal log: the leaf's cost on the seal path, and checkpoint, proof and audit
# times over 100,000 leaves, each against a baseline measured in this run.
# Usage: sh bench/seallog.sh BUILD_DIR   (a release build: `make build`)
set -eu
build=${1:-build}
tool="$build/tests/seallog/ds-seallog-bench"
[ -x "$tool" ] || { echo "bench/seallog.sh: no $tool; build first" >&2; exit 1; }
n=${SEALLOG_BENCH_LEAVES:-100000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/seallog-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$tool" "$dir" "$n" > "$dir/out"
get() { awk -v k="$1" '$1 == k { print $2 }' "$dir/out"; }
cat <<MD
## Seal log

Command: \`sh bench/seallog.sh $build\` (ds-seallog-bench, $n leaves, catalog in \`${TMPDIR:-/tmp}\`, synchronous = FULL)

| figure | value | baseline (same run) | ratio |
|---|---|---|---|
| seal transaction (event + log leaf), per seal | $(get seal_tx_with_leaf_ms) ms | event only: $(get seal_tx_event_only_ms) ms | $(get seal_tx_ratio)× |
| \`log checkpoint\` over $n leaves (read, re-hash and check every leaf, sign) | $(get checkpoint_s) s | same leaf texts hashed into a tree in memory: $(get tree_in_memory_s) s | $(get checkpoint_ratio)× |
| \`log prove\` (one proof, $(get proof_hashes) hashes) | $(get prove_s) s | | |
| \`log audit\` (every leaf and checkpoint) | $(get audit_s) s | | |
MD
