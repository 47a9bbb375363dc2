#!/bin/sh
# `make bench`: runs every benchmark under bench/ (each bench/<name>.sh takes
# the build folder and prints one Markdown section with its command, figures,
# baseline and ratio) and rewrites docs/benchmarks.md with them, the machine
# description and the exact commands.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/docs/benchmarks.md"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown))."
	echo "Every figure is a ratio against a baseline measured in the same run on the same machine."
	echo
	echo "## Machine"
	echo
	echo '```'
	echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "cores:  $(nproc)"
	echo "memory: $(free -h | awk '/Mem:/ {print $2}')"
	echo "kernel: $(uname -r)"
	echo "os:     $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo '```'
	echo
} > "$tmp"
status=0
for b in "$here"/bench/*.sh; do
	[ "$(basename "$b")" = run-all.sh ] && continue
	echo "bench: $(basename "$b")" >&2
	if ! sh "$b" "$build" >> "$tmp"; then
		echo "bench: $(basename "$b") failed" >&2
		printf '\n## %s\n\nFAILED in this run.\n' "$(basename "$b" .sh)" >> "$tmp"
		status=1
	fi
	echo >> "$tmp"
done
cp "$tmp" "$out"
echo "bench: wrote $out" >&2
exit $status
