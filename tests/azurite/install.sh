#!/usr/bin/env bash
# Installs Microsoft's Azurite (npm azurite, pinned with its dependencies in
# package-lock.json beside this script), the Azure Blob Storage emulator the DDS tests
# write to and read from (tests/azurite.py), outside the repository: into
# $INTACCT_AZURITE_HOME, else ${XDG_CACHE_HOME:-~/.cache}/intacct-connector/azurite.
# pytest installs nothing: without it the Azure tests skip and say to run this.
#
# Idempotent: does nothing (quickly) when the installed lockfile matches. A missing
# node/npm is reported, not fatal: the Azure tests then skip with that reason.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${INTACCT_AZURITE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/intacct-connector/azurite}"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "azurite: node/npm not found; the Azure Blob Storage tests will skip" >&2
    exit 0
fi
mkdir -p "$home"
if cmp -s "$here/package-lock.json" "$home/package-lock.json" \
        && [[ -x "$home/node_modules/.bin/azurite-blob" ]]; then
    echo "azurite: up to date in $home"
    exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$home/"
echo "azurite: npm ci in $home"
(cd "$home" && npm ci --no-audit --no-fund --loglevel=error)
