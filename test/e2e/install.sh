#!/usr/bin/env bash
# Installs what the editor end-to-end tests need, on a fresh machine as on a prepared one:
# Debian's Chromium (the browser playwright-core drives) and the build dependencies of code-server's
# native modules, then code-server itself (a real VS Code: workbench, Node extension host) from npm.
# Usage: install.sh <folder for code-server> <code-server version>; test/e2e/run.mjs chooses both.
set -euo pipefail
prefix="$1"
version="$2"

# code-server's native modules are built with node-gyp (python3, make, g++); kerberos needs the
# gssapi headers (libkrb5-dev), keytar libsecret, native-keymap libxkbfile and libx11; ripgrep
# replaces the download in @vscode/ripgrep's postinstall (below). The Python scenarios make a virtual
# environment (python3-venv) and debug with Debian's debugpy adapter (python3-debugpy).
packages=(chromium ripgrep libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev pkg-config python3 python3-venv python3-debugpy make g++)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "e2e: the editor tests need these Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "== e2e: apt-get install ${missing[*]}"
  # Through the CI's apt-get, which waits for the dpkg lock (another install, unattended-upgrades).
  apt_get="$(dirname "$(readlink -f "$0")")/../../.ci/apt-get"
  "$apt_get" update -qq
  "$apt_get" install -y -qq "${missing[@]}"
fi

# A finished install leaves a marker: one killed half-way is started again, not trusted.
if [ -f "$prefix/installed" ] && [ -x "$prefix/node_modules/.bin/code-server" ]; then exit 0; fi

# @vscode/ripgrep's postinstall downloads rg from GitHub, which this network does not reach; it
# takes a cached archive in $TMPDIR first, so give it Debian's rg under the name it looks for, in a
# TMPDIR of this install's own (no other project's install is handed this archive).
ripgrep_version=1.15.11
if [ "$(uname -m)" != x86_64 ]; then
  echo "e2e: the ripgrep stand-in is made for x86_64 only, this machine is $(uname -m)" >&2
  exit 1
fi
echo "== e2e: npm install code-server@$version into $prefix"
rm -rf "$prefix" "$prefix.tmp"
mkdir -p "$prefix" "$prefix.tmp/vscode-ripgrep-cache-$ripgrep_version"
staging="$(mktemp -d)"
cp "$(command -v rg)" "$staging/rg"
tar -czf "$prefix.tmp/vscode-ripgrep-cache-$ripgrep_version/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$staging" rg
rm -rf "$staging"

cd "$prefix"
echo '{ "private": true }' >package.json
# node-gyp would download Node's headers; Debian's nodejs has them in /usr/include/node.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
# As root, code-server's postinstall refuses to run without unsafe-perm; node-pty's runs `npx node-gyp`.
TMPDIR="$prefix.tmp" npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund --loglevel=error "code-server@$version"
rm -rf "$prefix.tmp"
# Another @vscode/ripgrep than the stand-in was made for would have gone to GitHub and failed above;
# say so rather than let a later bump fail obscurely.
installed_rg="$(node -p "require('./node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/package.json').version")"
if [ "$installed_rg" != "$ripgrep_version" ]; then
  echo "e2e: code-server $version uses @vscode/ripgrep $installed_rg; install.sh makes a stand-in for $ripgrep_version" >&2
  exit 1
fi
touch installed
