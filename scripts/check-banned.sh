#!/bin/sh
# Fails on the functions STYLE.md bans, anywhere in our C sources.
set -eu
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|sscanf|strncpy)[[:space:]]*\('
hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' core scanner ocr signer archive cli include tests bench 2>/dev/null || true)
if [ -n "$hits" ]; then
	echo "check-banned: banned functions found (STYLE.md):" >&2
	echo "$hits" >&2
	exit 1
fi
echo "check-banned: no banned functions"
