#!/usr/bin/env bash
# The Debian packages sixstep needs besides Python and Node: a CJK font (badge
# cards and sheets print Chinese; without one they refuse rather than print in
# English), pango and harfbuzz (WeasyPrint renders the assignment sheet's PDF
# with them) and, with --browser, Debian's chromium for the console's browser
# tests (Playwright drives it; no browser is ever downloaded) and poppler-utils
# (the tests read the PDF's text with pdftotext and look at its pages with pdftoppm).
# Installs what is missing with apt-get when run as root; otherwise says what to
# install and fails.
set -euo pipefail
need=()
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh-cn | grep -q .; } || need+=(fontconfig fonts-wqy-microhei)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0 ' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0 ' || need+=(libharfbuzz-subset0)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null && exit 0
fi
echo "sixstep needs these Debian packages: ${need[*]}" >&2
echo "install them with: sudo apt-get install -y ${need[*]}" >&2
exit 1
