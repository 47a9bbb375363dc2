#!/bin/sh
# Runs every libFuzzer target in BUILD/tests/fuzz for SECONDS each, starting
# from a copy of its committed seed corpus. Crashes are kept and reported.
set -eu
build=$1
seconds=${2:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/tests/fuzz/*_fuzzer; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _fuzzer)
	work="$build/fuzz-work/$name"
	crashes="$build/crashes/$name"
	mkdir -p "$work" "$crashes"
	cp -n "$here/tests/fuzz/corpus/$name"/* "$work/" 2>/dev/null || true
	echo "fuzz: $name for ${seconds}s"
	if ! "$bin" -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=2048 \
		-artifact_prefix="$crashes/" "$work" > "$build/fuzz-$name.log" 2>&1; then
		echo "fuzz: $name FOUND A CRASH: see $crashes and $build/fuzz-$name.log" >&2
		status=1
	fi
	tail -n 2 "$build/fuzz-$name.log"
done
exit $status
