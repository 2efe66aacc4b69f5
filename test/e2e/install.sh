#!/usr/bin/env bash
# Installs what the editor end-to-end tests need, on a fresh machine as on a prepared one:
# Debian's Chromium (the browser playwright-core drives) and the build dependencies of code-server's
# native modules, then code-server itself (a real VS Code: workbench, Node extension host) from npm.
# Usage: install.sh <folder for code-server> <code-server version>; test/e2e/run.mjs chooses both.
set -euo pipefail
prefix="$1"
version="$2"

# kerberos needs the gssapi headers (libkrb5-dev), keytar libsecret, native-keymap libxkbfile and
# libx11; ripgrep replaces the download in @vscode/ripgrep's postinstall (below).
packages=(chromium ripgrep libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "== e2e: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# A finished install leaves a marker: one killed half-way is started again, not trusted.
if [ -f "$prefix/installed" ] && [ -x "$prefix/node_modules/.bin/code-server" ]; then exit 0; fi

# @vscode/ripgrep's postinstall downloads rg from GitHub, which this network does not reach; it
# takes a cached archive first, so give it Debian's rg under the name it looks for.
rg_cache="$(node -p "require('os').tmpdir()")/vscode-ripgrep-cache-1.15.11"
rg_archive="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_archive" ]; then
  mkdir -p "$rg_cache"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar -czf "$rg_archive" -C "$staging" rg
  rm -rf "$staging"
fi

echo "== e2e: npm install code-server@$version into $prefix"
rm -rf "$prefix"
mkdir -p "$prefix"
cd "$prefix"
echo '{ "private": true }' >package.json
# As root, code-server's postinstall refuses to run without unsafe-perm; node-pty's runs `npx node-gyp`.
npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund --loglevel=error "code-server@$version"
touch installed
