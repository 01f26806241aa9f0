#!/usr/bin/env bash
# The whole test suite: unit, platform, provider-protocol and end-to-end tests under the real Pulumi engine.
# Installs what it needs first (Node >= 22, npm packages, the Pulumi CLI, Chromium for the console test,
# bubblewrap for the job sandbox, Python 3 with venv for the Python training and ONNX tests; their packages
# come from PyPI into a shared cache).
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
mlp_setup
mlp_ensure_chromium || mlp_log "Chromium could not be installed; the console page test will be skipped"
mlp_ensure_bubblewrap || mlp_log "bubblewrap could not be installed; training jobs run unsandboxed and the containment test fails"
mlp_ensure_python || mlp_log "Python 3 with venv could not be installed; the Python/ONNX tests will fail"
cd "$MLP_ROOT"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line with the counts, which any CI can read whatever the runner prints above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" 2>/dev/null || true
exit "$status"
