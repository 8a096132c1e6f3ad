#!/usr/bin/env bash
# Refresh the console's vendored front-end files from npm (versions pinned in
# web/assets/package-lock.json) into web/static/vendor/, which is committed:
# government intranets have no CDN and the server needs no npm.
set -euo pipefail
cd "$(dirname "$0")/../web/assets"
npm ci --no-audit --no-fund --loglevel=error
mkdir -p ../static/vendor
cp node_modules/htmx.org/dist/htmx.min.js ../static/vendor/htmx.min.js
echo "web/static/vendor/htmx.min.js <- htmx.org $(node -p "require('htmx.org/package.json').version")"
# The dashboards' charts: the "common" build (line, bar, pie, the usual components) is all they use.
cp node_modules/echarts/dist/echarts.common.min.js ../static/vendor/echarts.common.min.js
echo "web/static/vendor/echarts.common.min.js <- echarts $(node -p "require('echarts/package.json').version")"
