#!/usr/bin/env bash
# Creates (once) and prints the path of a Python venv under ~/.cache/mlplatform/venvs/<name> holding exactly
# the pinned requirements given as arguments. Idempotent: a venv whose stamp matches the requirements is
# reused, any other is rebuilt. Tests call this from their setup, so a fresh CI machine gets the same venv.
# Usage: scripts/python-venv.sh <name> <requirement>...   (prints the venv directory on stdout)
set -euo pipefail
name="$1"; shift
cache="${MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlplatform}/venvs"
dir="$cache/$name"
want="$(printf '%s\n' "$@" | sort)"
mkdir -p "$cache"
# One builder at a time (test files run in parallel workers): the others wait here, then find it ready.
exec 9>"$cache/.$name.lock"
flock 9
if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.mlp-requirements" 2>/dev/null)" = "$want" ]; then
  echo "$dir"; exit 0
fi
python="$(command -v python3 || command -v python)"
# Build beside the target and move into place, so a concurrent or interrupted build never leaves a half venv.
tmp="$(mktemp -d "$cache/.$name.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$python" -m venv "$tmp" >&2
"$tmp/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$@" >&2
printf '%s' "$want" > "$tmp/.mlp-requirements"
rm -rf "$dir"
# venv scripts hard-code their directory: recreate them in place after the move.
mv "$tmp" "$dir" && trap - EXIT
"$python" -m venv --upgrade "$dir" >&2
echo "$dir"
