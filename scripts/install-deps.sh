#!/bin/sh
# Installs every Debian package dossier needs to build, test and run.
# Idempotent: packages already present are not fetched again.
# Uses sudo when not root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
pkgs=$(grep -v '^#' "$here/deps.txt" | tr -s ' \n' ' ')

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all $(echo $pkgs | wc -w) packages present"
	exit 0
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
