#!/usr/bin/env bash
# The whole test suite: unit, platform, provider-protocol and end-to-end tests under the real Pulumi engine.
# Installs what it needs first (Node >= 22, npm packages, the Pulumi CLI, Chromium for the console test).
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
mlp_setup
mlp_ensure_chromium || mlp_log "Chromium could not be installed; the console page test will be skipped"
cd "$MLP_ROOT"
exec npx vitest run "$@"
