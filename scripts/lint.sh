#!/bin/sh
# clang-tidy over every C file of the tree built in BUILD (library, CLI,
# tests, benchmarks; the libFuzzer entry points are checked through their
# replay drivers' build), with the committed .clang-tidy; fails on any
# finding.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
command -v clang-tidy >/dev/null || { echo "lint: clang-tidy is not installed (make deps)" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "lint: run cmake first ($build)" >&2; exit 1; }
files=$(git ls-files 'core/*.c' 'scanner/*.c' 'ocr/*.c' 'signer/*.c' 'archive/*.c' 'cli/*.c' \
	'tests/*.c' 'bench/*.c' | while read -r f; do
	grep -q "\"file\": \"[^\"]*/$f\"" "$build/compile_commands.json" && echo "$f"; done)
status=0
for f in $files; do
	clang-tidy -quiet -p "$build" "$f" 2>/dev/null || status=1
done
[ $status = 0 ] && echo "lint: clang-tidy clean on $(echo "$files" | wc -w) files"
exit $status
