#!/usr/bin/env bash
# System packages the browser, chart and PostgreSQL tests need (Debian):
#   chromium          real headless browser for the end-to-end tests (never a downloaded one)
#   fonts-wqy-microhei a CJK font, so Chinese renders in screenshots instead of empty boxes
#   postgresql        so the results-store tests also run against PostgreSQL
# Installed only when missing and when we are root with apt-get; otherwise the tests that
# need them say why they are skipped.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need+=(fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "browser-deps: cannot install ${need[*]} (needs root and apt-get); those tests will be skipped" >&2
  exit 0
fi
echo "browser-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "browser-deps: apt-get install ${need[*]} failed; those tests will be skipped" >&2
exit 0
