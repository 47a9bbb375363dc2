#!/bin/sh
# bench/search.sh BUILD: full-text search latency on a catalog of 100,000
# synthetic pages of Vietnamese text (Zipf vocabulary of 20,000 syllables,
# 250 words a page), 1,000 queries of 1–3 words with log-uniform document
# frequencies: half typed without diacritics (default search), half with
# diacritics (run with --exact and again as the default search); each
# query's frequency is counted in the index it searches. Prints a Markdown
# section. search_bench also reads BENCH_SEARCH_REUSE=1 (DIR already holds
# the catalog of an earlier run) and BENCH_SEARCH_TRACE=1 (each query on
# stderr); this script uses neither.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
P=${BENCH_SEARCH_PAGES:-100000}
Q=${BENCH_SEARCH_QUERIES:-1000}
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-search.XXXXXX")
trap 'rm -rf "$T"' EXIT
out=$("$here/$build/bench/search_bench" "$T" "$P" "$Q")
size=$(du -m "$T/catalog.db" | cut -f1)
cat <<MD
## Search

Command: \`sh bench/search.sh $build\` (\`search_bench DIR $P $Q\`: $P pages in one SQLite catalog, both FTS5 indexes (folded and exact), catalog $size MB; \`ds_catalog_search\` with limit 20, bm25 order, snippet; target p99 < 20 ms for queries whose words each occur on at most 5 % of the pages of the index searched).

\`\`\`
$out
\`\`\`
MD
