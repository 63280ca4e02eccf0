#!/usr/bin/env bash
# Installs Sage's official JavaScript SDK (npm @intacct/intacct-sdk, pinned with its
# dependencies in js/package-lock.json) into tests/thirdparty/js/node_modules, for the
# tests in tests/thirdparty. fylein's Python sageintacctsdk is a dev extra instead
# (pip install -e '.[dev]'). pytest installs nothing: without these the tests skip and
# say which command to run.
#
# Idempotent: does nothing (quickly) when node_modules matches the lockfile. Needs
# neither root nor an /etc/hosts entry. A missing node/npm is reported, not fatal: the
# JS SDK tests then skip with that reason.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/js"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "thirdparty: node/npm not found; the JS SDK tests will skip" >&2
    exit 0
fi
# npm ci leaves node_modules/.package-lock.json behind; newer than the lockfile = current.
stamp="node_modules/.package-lock.json"
if [[ -f "$stamp" && "$stamp" -nt package-lock.json \
      && -f node_modules/@intacct/intacct-sdk/package.json ]]; then
    echo "thirdparty: node_modules up to date"
else
    echo "thirdparty: npm ci in $PWD"
    npm ci --no-audit --no-fund --loglevel=error
fi
