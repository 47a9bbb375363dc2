#!/bin/sh
# bench/daemon.sh BUILD: 1,000 small scans (1-bit A4 pages at 100 dpi, one
# page each, every page different) dropped at once into dossierd's inbox
# with OCR off, against `dossier intake` of the same files in one process.
# Prints one Markdown section: files per second of each, the ratio, and the
# daemon's resident memory before and after. Targets: throughput within
# 1.5x of intake, memory growth under 10%.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build="$here/$build" ;; esac
N=${DS_BENCH_FILES:-1000}
W=50
D="$build/dossier"
DD="$build/dossierd"
T=$(mktemp -d "${TMPDIR:-/tmp}/dossier-bench-daemon.XXXXXX")
pid=
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi; rm -rf "$T"' EXIT

now() { date +%s.%N; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
setup() { # setup HOME → prints the code of a dossier awaiting scans
	DOSSIER_HOME="$1" "$D" init >/dev/null
	printf '[daemon]\nocr = false\nsettle_ms = 0\nlog_level = notice\n' >> "$1/dossier.conf"
	DOSSIER_HOME="$1" "$D" department add STNMT --name "Sở Tài nguyên và Môi trường" >/dev/null
	DOSSIER_HOME="$1" "$D" procedure add 1.004227 --name "Đăng ký đất đai" --department STNMT --days 15 >/dev/null
}

# the scans: one multi-page rendering split into N one-page files
mkdir -p "$T/scans"
yes "Đơn đăng ký biến động đất đai, quyền sở hữu tài sản gắn liền với đất." | head -n 12 |
	"$build/tests/ds-mkscan" -o "$T/all.tif" --pages "$((N + W))" --bits 1 --dpi 100 --width 827 --height 1169
"$build/tests/ds-mkbatch" --split "$T/scans/p" "$T/all.tif" 2>/dev/null
# the first W pages warm the daemon up; the other N are measured
mkdir -p "$T/warm"
ls "$T/scans" | head -n "$W" | while read -r f; do mv "$T/scans/$f" "$T/warm/"; done
bytes=$(du -sb "$T/scans" | cut -f1)

# baseline: dossier intake of every file in one process, in one dossier
setup "$T/h1"
t0=$(now)
DOSSIER_HOME="$T/h1" "$D" intake --procedure 1.004227 --applicant-id 001 --applicant-name "Nguyễn Văn An" \
	"$T"/scans/p*.tif >/dev/null 2>&1
t1=$(now)

# dossierd: the same files, named after a dossier awaiting scans, moved in at once
setup "$T/h2"
code=$(DOSSIER_HOME="$T/h2" "$D" intake --procedure 1.004227 --applicant-id 001 --applicant-name "Nguyễn Văn An" 2>/dev/null | tail -n 1)
mkdir -p "$T/h2/stage" "$T/h2/warm"
for f in "$T"/scans/p*.tif; do
	b=$(basename "$f" .tif)
	cp "$f" "$T/h2/stage/${code}_$b.tif"
done
for f in "$T"/warm/p*.tif; do
	b=$(basename "$f" .tif)
	cp "$f" "$T/h2/warm/${code}_w$b.tif"
done
DOSSIER_HOME="$T/h2" "$DD" 2>"$T/log" &
pid=$!
n=0; until grep -q "watching" "$T/log"; do sleep 0.05; n=$((n + 1)); [ "$n" -lt 400 ] || exit 1; done
sleep 0.5
rss_cold=$(rss "$pid")
mv "$T/h2/warm"/* "$T/h2/inbox/"
until [ "$(ls "$T/h2/inbox/done" | wc -l)" -ge "$W" ]; do sleep 0.05; done
sleep 0.5
rss0=$(rss "$pid")
t2=$(now)
mv "$T/h2/stage"/* "$T/h2/inbox/"
until [ "$(ls "$T/h2/inbox/done" | wc -l)" -ge "$((N + W))" ]; do
	sleep 0.02
	kill -0 "$pid" || { cat "$T/log" >&2; exit 1; }
done
t3=$(now)
rss1=$(rss "$pid")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"; wait "$pid"; pid=
rejected=$(ls "$T/h2/inbox/rejected" | wc -l)
pages=$(DOSSIER_HOME="$T/h2" "$D" show "$code" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["pages"]))')
[ "$pages" = "$((N + W))" ] && [ "$rejected" = 0 ] || { echo "daemon: $pages pages, $rejected rejected" >&2; exit 1; }

awk -v n="$N" -v bytes="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" \
    -v rss0="$rss0" -v rss1="$rss1" -v hwm="$hwm" -v cold="$rss_cold" -v w="$W" -v dd="$(basename "$build")" 'BEGIN {
	ti = t1 - t0; td = t3 - t2
	printf "## Daemon\n\n"
	printf "`sh bench/daemon.sh %s`: %d one-page scans (1-bit A4 at 100 dpi, G4, %.0f KiB in all, every page different) dropped into the inbox at once, OCR off ([daemon] ocr = false), inotify, catalog in WAL with synchronous = FULL.\n\n", dd, n, bytes / 1024
	printf "| | time | files/s |\n|---|---|---|\n"
	printf "| `dossier intake` of the %d files, one process (baseline) | %.2f s | %.1f |\n", n, ti, n / ti
	printf "| dossierd, from the first file moved in to the last in done/ | %.2f s | %.1f |\n", td, n / td
	printf "\nThroughput: dossierd takes **%.2fx** the time of intake (target: within 1.5x). ", td / ti
	printf "Where the time goes: every file is its own durable commit (its pages, its inbox record, its job: one WAL fsync each) and every page is tested for a receipt QR code (ds_qr_maybe, then zbar only on pages with three finder patterns), where intake commits once for all files and reads no QR code; the moves to done/ are made durable in batches of 64. dossierd ingests two files at a time ([daemon] ingest_threads, default 2 on two or more cores), intake one.\n\n"
	printf "Resident memory of dossierd (VmRSS): %d KiB at start; %d KiB after %d warm-up files (SQLite page cache, decoder and zbar buffers), %d KiB after the %d measured files: **%+.1f%%** over the run (target under 10%%); peak %d KiB.\n", cold, rss0, w, rss1, n, (rss1 - rss0) * 100.0 / rss0, hwm
}'
