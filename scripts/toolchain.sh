# Sourced by the project's commands: puts Node >= 22.13 and the pinned Pulumi CLI on PATH, installing what is
# missing. Node comes from the npm registry's node-linux-<arch> package when the system one is older; the
# Pulumi CLI is used from PATH when it is the pinned version, otherwise built once and cached by version.
# Nothing is installed inside the repository except node_modules and the compiled dist/.
set -euo pipefail
MLP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MLP_CACHE="${MLP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlplatform}"
NODE_VERSION="24.21.0"
PULUMI_VERSION="$(sed -n 's/.*"@pulumi\/pulumi": "\([0-9.]*\)".*/\1/p' "$MLP_ROOT/package.json")"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

mlp_log() { printf '\033[1m[mlplatform]\033[0m %s\n' "$*" >&2; }

# Puts a directory first on PATH, once: sourcing this again (a nested call, or a shell that sourced it
# before) moves the entry to the front instead of stacking copies.
mlp_path_prepend() {
  local rest=":$PATH:"
  rest="${rest//:$1:/:}"; rest="${rest#:}"; rest="${rest%:}"
  export PATH="$1${rest:+:$rest}"
}

mlp_ensure_node() {
  local major=0
  command -v node >/dev/null && major="$(node -p 'process.versions.node.split(".")[0]')"
  # The platform's store is Node's built-in node:sqlite (unflagged since 22.13): no native package to compile.
  if [ "$major" -ge 22 ] && node -e 'require("node:sqlite")' 2>/dev/null; then return 0; fi
  local arch; case "$(uname -m)" in x86_64) arch=x64;; aarch64|arm64) arch=arm64;; *) arch="$(uname -m)";; esac
  local dir="$MLP_CACHE/node-v$NODE_VERSION-linux-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    mlp_log "system Node is ${major:-absent}; fetching Node $NODE_VERSION from the npm registry"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$MLP_CACHE" && rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  mlp_path_prepend "$dir/bin"
}

mlp_ensure_deps() {
  cd "$MLP_ROOT"
  # Reinstall only when the lock file changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.mlp-lock-stamp; then
    mlp_log "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.mlp-lock-stamp
  fi
  npm run --silent build
}

mlp_ensure_pulumi() {
  local tools="$MLP_ROOT/node_modules/.pulumi-root/bin"
  if command -v pulumi >/dev/null && [ "$(pulumi version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
    # Through links to the real binary: in a shell that ran this before, the `pulumi` found first is our
    # own link in $tools, and linking $tools/pulumi to it would make it a link to itself.
    MLP_PULUMI_BIN="$(dirname "$(readlink -f "$(command -v pulumi)")")"
  else
    MLP_PULUMI_BIN="$MLP_CACHE/pulumi-v$PULUMI_VERSION/bin"
    if [ ! -x "$MLP_PULUMI_BIN/pulumi" ]; then
      mlp_log "building the Pulumi CLI v$PULUMI_VERSION from the Go module proxy (once per machine, several minutes)"
      bash "$MLP_ROOT/scripts/build-pulumi-cli.sh" "$PULUMI_VERSION" "$MLP_PULUMI_BIN"
    fi
  fi
  # The dynamic-provider plugin is a script shipped inside @pulumi/pulumi; without it the engine tries to
  # download a pulumi-nodejs plugin and fails. Beside the CLI's own binary it counts as bundled; found only
  # on PATH, the engine warns with its absolute path in every run's output.
  local plugin="$MLP_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  mkdir -p "$tools"
  ln -sf "$MLP_PULUMI_BIN/pulumi" "$tools/pulumi"
  if ! cmp -s "$plugin" "$MLP_PULUMI_BIN/pulumi-resource-pulumi-nodejs"; then
    cp "$plugin" "$MLP_PULUMI_BIN/" 2>/dev/null || ln -sf "$plugin" "$tools/pulumi-resource-pulumi-nodejs"
  fi
  # PulumiCommand.get({ root }) looks for root/bin/pulumi.
  mlp_path_prepend "$tools"
  export MLP_PULUMI_ROOT="$MLP_ROOT/node_modules/.pulumi-root"
}

mlp_setup() {
  mlp_ensure_node
  mlp_ensure_deps
  mlp_ensure_pulumi
}

# Python 3 with venv/ensurepip, for Python training jobs (examples/sklearn and its tests): the platform builds
# their virtualenvs itself, from PyPI, cached under ~/.cache/mlplatform/venvs in tests. Debian ships venv
# apart from python3 (python3-venv).
mlp_ensure_python() {
  local python="${MLPLATFORM_PYTHON:-python3}"
  "$python" -c 'import venv, ensurepip' 2>/dev/null && return 0
  command -v apt-get >/dev/null || return 1
  mlp_log "installing Debian's python3-venv for Python training jobs"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >/dev/null; } || return 1
}

# Debian's Chromium, for the console page test in headless mode (playwright-core drives it).
mlp_ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  command -v apt-get >/dev/null || return 1
  mlp_log "installing Debian's chromium for the console test"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; } || return 1
}

# Debian's bubblewrap: training jobs run in a bwrap sandbox (platform/sandbox.ts); the containment tests need it.
mlp_ensure_bubblewrap() {
  command -v bwrap >/dev/null && return 0
  command -v apt-get >/dev/null || return 1
  mlp_log "installing Debian's bubblewrap for the training-job sandbox"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  { $sudo apt-get install -y -qq bubblewrap >/dev/null 2>&1 || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bubblewrap >/dev/null; }; } || return 1
}
