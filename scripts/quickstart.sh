#!/usr/bin/env bash
# The main command: installs what is missing, starts the local ML platform, deploys the quickstart stack
# (examples/quickstart/ml.yaml) with a local file backend, then prints the service endpoint and a real
# prediction. Running it again changes nothing.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
mlp_setup
cd "$MLP_ROOT"
exec node dist/cli/main.js quickstart "$@"
