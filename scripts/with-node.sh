#!/usr/bin/env bash
# Runs a command under a given Node line: `scripts/with-node.sh 24 npm test`.
#
# The npm registry serves Node itself as the package `node-<os>-<arch>` (its version is Node's),
# so a line installs with npm alone, once, into the git-ignored .cache/node-LINE/ (delete that
# folder to get the line's newest release). Its bin goes first on PATH, so `node`, the scripts
# npm runs and every `#!/usr/bin/env node` tool (npx, jest, tsx) run on that Node; npm itself is
# the one already installed, which runs on the chosen Node too.
set -euo pipefail
if [ $# -lt 2 ] || ! [[ $1 =~ ^[0-9]+(\.[0-9]+){0,2}$ ]]; then
  echo "usage: scripts/with-node.sh LINE COMMAND [ARGS...]   (LINE: 22, 24, 26 or an exact version)" >&2
  exit 2
fi
line=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
platform=$(node -p 'process.platform.replace("win32", "win") + "-" + process.arch')
package="node-$platform"
cache="$root/.cache/node-$line"
bin="$cache/node_modules/$package/bin"

if ! [ -x "$bin/node" ]; then
  echo "with-node: installing $package@$line into .cache/node-$line/ (once)" >&2
  # Into a private folder first, then renamed: two runs installing the same line at once never
  # see a half-installed Node.
  staging=$(mktemp -d "$root/.cache/.node-$line.XXXXXX" 2>/dev/null ||
    { mkdir -p "$root/.cache" && mktemp -d "$root/.cache/.node-$line.XXXXXX"; })
  trap 'rm -rf "$staging"' EXIT
  echo '{"private":true}' >"$staging/package.json"
  npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "$package@$line" >&2
  if ! [ -x "$staging/node_modules/$package/bin/node" ]; then
    echo "with-node: $package@$line installed no bin/node" >&2
    exit 1
  fi
  chmod 755 "$staging"
  mv -T "$staging" "$cache" 2>/dev/null || rm -rf "$staging" # another run got there first
  trap - EXIT
fi

export PATH="$bin:$PATH"
exec "$@"
