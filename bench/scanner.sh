#!/bin/sh
# Scanner: decode, store and clean the first page of corpus scans, against
# Leptonica's plain pixRead() of the same file (the baseline), same run.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${DS_CORPUS:-$here/../shared/corpus}
bin="$build/bench/bench_scanner"
[ -x "$bin" ] || { echo "bench/scanner.sh: $bin not built" >&2; exit 1; }
set -- "$corpus/tesseract-test/phototest.tif" "$corpus/tesseract-test/8087_054.3B.tif" \
	"$corpus/vietocr3/derived/vietsample1-p1.png" "$corpus/paperless/simple.tiff" \
	"$corpus/paperless/patch-code-t-middle.tiff"
echo "## Scanner"
echo
echo "\`sh bench/scanner.sh $build\` (median of 5; in brackets the ratio to the baseline)."
echo "Baseline: Leptonica's \`pixRead()\` of the same file (no limits, no checks)."
echo "ds decode = \`ds_scan_open\` + \`ds_scan_page_decode\` (page 1);"
echo "ds store = \`ds_page_encode\` + \`ds_page_decode\`; ds clean = \`ds_page_clean\` with the defaults."
echo
"$bin" "$@"
