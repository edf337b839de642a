#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (no CDN at run time:
# stations may be on a closed police network). Versions are pinned here.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --silent bootstrap@5.3.9 htmx.org@2.0.11 echarts@5.6.0 bootstrap-icons@1.13.2)
N=$tmp/node_modules
V=beatbook/static/vendor
mkdir -p $V/bootstrap $V/htmx $V/echarts $V/bootstrap-icons/fonts
cp $N/bootstrap/dist/css/bootstrap.min.css $N/bootstrap/dist/js/bootstrap.bundle.min.js $N/bootstrap/LICENSE $V/bootstrap/
cp $N/htmx.org/dist/htmx.min.js $N/htmx.org/LICENSE $V/htmx/
cp $N/echarts/dist/echarts.min.js $N/echarts/LICENSE $V/echarts/
cp $N/bootstrap-icons/font/bootstrap-icons.min.css $N/bootstrap-icons/LICENSE $V/bootstrap-icons/
cp $N/bootstrap-icons/font/fonts/bootstrap-icons.woff2 $N/bootstrap-icons/font/fonts/bootstrap-icons.woff $V/bootstrap-icons/fonts/
echo "vendored into $V"
