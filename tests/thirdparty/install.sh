#!/usr/bin/env bash
# Installs the third-party Intacct clients that tests/thirdparty drives:
#   - fylein's sageintacctsdk (PyPI) into the current Python environment;
#   - Sage's official JavaScript SDK (npm @intacct/intacct-sdk) into tests/thirdparty/js.
# Idempotent: does nothing (quickly) when the pinned versions are already installed.
# Needs neither root nor an /etc/hosts entry. A missing node/npm is reported, not fatal:
# the JS tests then skip with that reason.
#
# Python: $PYTHON if set, else the active virtualenv, else the repo's .venv, else python3.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

FYLEIN_SDK="sageintacctsdk==1.28.1"
XMLTODICT="xmltodict==1.0.4"   # the parser that shapes everything fylein's SDK returns

if [[ -n "${PYTHON:-}" ]]; then
    py="$PYTHON"
elif [[ -n "${VIRTUAL_ENV:-}" && -x "$VIRTUAL_ENV/bin/python" ]]; then
    py="$VIRTUAL_ENV/bin/python"
elif [[ -x "$repo/.venv/bin/python" ]]; then
    py="$repo/.venv/bin/python"
else
    py="python3"
fi

installed() {  # installed NAME VERSION
    "$py" - "$1" "$2" <<'EOF' 2>/dev/null
import importlib.metadata as md, sys
try:
    sys.exit(0 if md.version(sys.argv[1]) == sys.argv[2] else 1)
except md.PackageNotFoundError:
    sys.exit(1)
EOF
}

if installed sageintacctsdk "${FYLEIN_SDK#*==}" && installed xmltodict "${XMLTODICT#*==}"; then
    echo "thirdparty: $FYLEIN_SDK already installed"
else
    echo "thirdparty: installing $FYLEIN_SDK $XMLTODICT with $py"
    "$py" -m pip install -q --disable-pip-version-check "$FYLEIN_SDK" "$XMLTODICT"
fi

cd "$here/js"
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
