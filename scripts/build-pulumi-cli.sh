#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy, because the CLI's own installers download from hosts this
# kind of machine cannot reach. The result is cached outside the repo, keyed by version, so only the first
# run on a machine pays for the (large) build.
# The Node.js language host (pulumi-language-nodejs) is not served by the module proxy reachable here, so it
# is not built: every program runs through the Automation API as an inline program, where the Node process
# itself serves the language protocol to the CLI (`--client`) and no language host is spawned.
#   usage: scripts/build-pulumi-cli.sh VERSION OUT_BIN_DIR
set -euo pipefail
version="${1:?version, e.g. 3.259.0}"
out="${2:?output bin directory}"
if [ -x "$out/pulumi" ]; then exit 0; fi
command -v go >/dev/null || { echo "build-pulumi-cli: Go is needed to build the Pulumi CLI" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > go.mod <<MOD
module mlplatform.local/pulumi-cli

go 1.24

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
GO
export GOFLAGS="-mod=mod -buildvcs=false"
go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"
go mod tidy
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
mkdir -p "$out.partial"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" -o "$out.partial/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mkdir -p "$(dirname "$out")"
rm -rf "$out" && mv "$out.partial" "$out"
echo "build-pulumi-cli: built pulumi v$version into $out"
