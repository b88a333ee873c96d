#!/usr/bin/env bash
# System packages the browser tests need: Debian's chromium and chromium-driver.
# Installs them when missing and we may (root with apt-get); otherwise says why the
# browser tests will be skipped.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
else
  echo "note: chromium/chromedriver missing and not installable here; browser tests will be skipped" >&2
fi
