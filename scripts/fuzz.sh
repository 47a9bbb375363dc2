#!/bin/sh
# Runs every libFuzzer target in BUILD/tests/fuzz for SECONDS each (or only
# the targets named after SECONDS), starting from a copy of its committed
# seed corpus. Crashes are kept and reported.
#   sh scripts/fuzz.sh BUILD [SECONDS [TARGET…]]
set -eu
build=$1
seconds=${2:-300}
shift; [ $# -gt 0 ] && shift
only=" $* "
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/tests/fuzz/*_fuzzer; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin" _fuzzer)
	[ "$only" = "  " ] || case "$only" in *" $name "*) ;; *) continue ;; esac
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
