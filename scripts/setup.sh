#!/usr/bin/env bash
# Set up everything denialkb needs in ./.venv: Python packages, plus Graphviz (pictures) and
# Chromium (report tests) from the system package manager when they are missing.
# Debian/Ubuntu: uses apt-get (as root, or with sudo). macOS: uses Homebrew if present.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
  echo "denialkb needs Python 3.10 or newer (found $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.x" >&2
  exit 2
}

need=()
command -v dot >/dev/null 2>&1 || need+=(graphviz)
if [ "${DENIALKB_SKIP_BROWSER:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1 \
   && ! command -v chromium-browser >/dev/null 2>&1; then
  need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO=sudo
    echo "installing system packages: ${need[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  elif command -v brew >/dev/null 2>&1; then
    for p in "${need[@]}"; do
      case "$p" in
        graphviz) brew install graphviz ;;
        chromium) brew install --cask chromium || echo "chromium not installed: report browser tests will be skipped" ;;
      esac
    done
  else
    echo "note: could not install ${need[*]} (no apt-get or brew); pictures or browser tests may be skipped" >&2
  fi
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q ".[test]"
echo "ready: .venv/bin/denialkb"
