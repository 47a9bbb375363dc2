#!/bin/sh
# bench/ocr.sh BUILD: OCR throughput on the same pages, in one run:
#   1. the tesseract CLI page by page (OMP_THREAD_LIMIT=1), sequential;
#   2. ocrmypdf -l vie (its default jobs = cores) on the same pages, one PDF;
#   3. dossier ocr with the default pool (jobs = cores): clean, OCR, text,
#      hOCR, searchable PDF, catalog.
# Prints a Markdown section: pages/min, ratios, peak memory per worker.
# Pages: BENCH_OCR_PAGES (default 12) A4 300 dpi G4 pages of Vietnamese text
# made by ds-mkscan, so nothing third-party is needed.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
B="$here/$build"
D="$B/dossier"
MK="$B/tests/ds-mkscan"
N=${BENCH_OCR_PAGES:-12}
for t in tesseract ocrmypdf tiffcp python3 /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "bench ocr: $t missing" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-ocr.XXXXXX")
trap 'rm -rf "$T"' EXIT
export OMP_THREAD_LIMIT=1
cores=$(getconf _NPROCESSORS_ONLN) # not nproc: it obeys OMP_THREAD_LIMIT

# Vietnamese administrative prose (bench/ocr_text.txt: a here-document would
# go through dash, which drops bytes of long UTF-8 ones), a different excerpt
# on every page.
cp "$here/bench/ocr_text.txt" "$T/src.txt"
for i in $(seq 1 "$N"); do
	f=$(printf '%s/p%02d.tif' "$T" "$i")
	{ printf 'Trang %d.\n' "$i"; sed -n "$(( (i % 5) + 1 )),\$p" "$T/src.txt"; head -n "$(( (i % 5) + 1 ))" "$T/src.txt"; } |
		"$MK" -o "$f" --bits 1 --compression g4 >/dev/null
done
# ocrmypdf gets the same pages as one multi-page TIFF.
tiffcp "$T"/p*.tif "$T/all.tif"

now() { date +%s.%N; }
rate() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) * 60 / float(sys.argv[2])))" "$1" "$2"; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }

# 1. tesseract CLI, page by page
load0=$(cut -d' ' -f1-3 /proc/loadavg)
s=$(now)
/usr/bin/time -f '%U %S' -o "$T/cli.cpu" sh -c 'for f in "$0"/p*.tif; do tesseract "$f" "${f%.tif}" -l vie >/dev/null 2>&1; done' "$T"
t_cli=$(python3 -c "print($(now) - $s)")

# 2. ocrmypdf
s=$(now)
/usr/bin/time -f '%U %S' -o "$T/omp.cpu" ocrmypdf -q -l vie --output-type pdf "$T/all.tif" "$T/ocrmypdf.pdf" 2>"$T/ocrmypdf.err" ||
	{ echo "bench ocr: ocrmypdf failed: $(tail -n 3 "$T/ocrmypdf.err")" >&2; exit 1; }
t_omp=$(python3 -c "print($(now) - $s)")

# 3. dossier ocr (default pool), then once with --jobs 1 for memory per worker
run_dossier() { # home jobs-option
	export DOSSIER_HOME="$1"
	"$D" init >/dev/null
	"$D" department add B --name Bench >/dev/null
	"$D" procedure add 1.000001 --name Bench --department B --days 1 >/dev/null
	code=$("$D" intake --procedure 1.000001 --applicant-id 1 --applicant-name Bench "$T"/p*.tif | tail -n 1)
	s=$(now)
	/usr/bin/time -f '%M %U %S' -o "$1.rss" "$D" ocr "$code" $2 >/dev/null
	python3 -c "print($(now) - $s)"
}
t_ds=$(run_dossier "$T/h1" "")
rss_pool=$(cut -d' ' -f1 "$T/h1.rss")
t_ds1=$(run_dossier "$T/h2" "--jobs 1")
rss_one=$(cut -d' ' -f1 "$T/h2.rss")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cpu() { awk '{printf "%.1f", $1 + $2}' "$1"; }
cpu_ds() { awk '{printf "%.1f", $2 + $3}' "$1"; }
per_worker=$(( rss_pool / cores ))

cat <<MD
## OCR

Command: \`sh bench/ocr.sh $build\` ($N pages, A4 300 dpi 1-bit G4, Vietnamese text rendered by ds-mkscan; $cores cores; OMP_THREAD_LIMIT=1 everywhere; tesseract $(tesseract --version 2>&1 | head -n 1 | cut -d' ' -f2), ocrmypdf $(ocrmypdf --version)).

Load average (1, 5, 15 min) at the start: $load0; at the end: $load1 (other work on the machine takes cores from every pipeline alike; CPU seconds are less sensitive to it).

| pipeline | seconds | pages/min | vs tesseract CLI | CPU s (user+sys) |
|---|---:|---:|---:|---:|
| \`tesseract IMG out -l vie\`, page by page | $(printf '%.1f' "$t_cli") | $(rate "$N" "$t_cli") | 1.00 | $(cpu "$T/cli.cpu") |
| \`ocrmypdf -l vie\` (searchable PDF, jobs = cores) | $(printf '%.1f' "$t_omp") | $(rate "$N" "$t_omp") | $(ratio "$t_cli" "$t_omp") | $(cpu "$T/omp.cpu") |
| \`dossier ocr\` (pool of $cores: clean, OCR, text, hOCR, PDF, index) | $(printf '%.1f' "$t_ds") | $(rate "$N" "$t_ds") | $(ratio "$t_cli" "$t_ds") | $(cpu_ds "$T/h1.rss") |
| \`dossier ocr --jobs 1\` | $(printf '%.1f' "$t_ds1") | $(rate "$N" "$t_ds1") | $(ratio "$t_cli" "$t_ds1") | $(cpu_ds "$T/h2.rss") |

- \`dossier ocr\` / tesseract CLI: **$(ratio "$t_cli" "$t_ds")×** (target ≥ 1.8×); \`dossier ocr\` / ocrmypdf: **$(ratio "$t_omp" "$t_ds")×** (target ≥ 2×).
- Peak memory (max RSS): pool of $cores: $((rss_pool / 1024)) MB, i.e. $((per_worker / 1024)) MB per worker; one worker: $((rss_one / 1024)) MB (target ≤ 300 MB per worker).
MD
