#!/usr/bin/env bash
# The Python venv the API fuzz test runs schemathesis from: created once per machine under
# ~/.cache/mlplatform/venvs (outside the repository), keyed by the pinned version, reused while it matches.
# Prints the path of the `schemathesis` executable. Used by test/platform/api-fuzz.test.ts.
set -euo pipefail
SCHEMATHESIS_VERSION="4.32.5"
MLP_CACHE="${MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlplatform}"
venv="$MLP_CACHE/venvs/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$venv/.mlp-ready" 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  echo "[mlplatform] creating the schemathesis $SCHEMATHESIS_VERSION venv in $venv" >&2
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  echo "$SCHEMATHESIS_VERSION" > "$venv/.mlp-ready"
fi
echo "$venv/bin/schemathesis"
