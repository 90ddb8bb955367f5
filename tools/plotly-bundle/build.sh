#!/usr/bin/env bash
# Rebuild the dashboard's partial plotly.js bundle, assets/vendor/plotly-<version>-genscan.min.js,
# from index.js with the exact versions pinned in package-lock.json. Run from anywhere:
#
#     bash tools/plotly-bundle/build.sh
#
# The same lockfile gives the same bytes: the script prints the output's sha256 so a rebuild can
# be checked against the one recorded in README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

# Exactly the lockfile's packages. No install scripts are needed: esbuild's JS wrapper finds its
# native binary in the @esbuild/<platform> optional dependency. plotly.js asks for Node >= 22 to
# run its own build tools; bundling its sources works on Node 20 too, so that warning is muted.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

version="$(node -p "require('plotly.js/package.json').version")"
out_dir="$repo/assets/vendor"
out="$out_dir/plotly-$version-genscan.min.js"
tmp="$out.tmp"
mkdir -p "$out_dir"

# --loader:.css=empty   plotly's registry requires maplibre-gl's CSS for the "map" subplot only;
#                       no map trace is bundled, so no CSS file is emitted.
# --define:global=...   as plotly.js's own esbuild config: has-hover reads `global`, which a
#                       browser does not define.
# --legal-comments=eof  keeps the MIT notices of bundled dependencies (a few hundred bytes).
./node_modules/.bin/esbuild index.js \
    --bundle \
    --minify \
    --format=iife \
    --target=es2018 \
    --loader:.css=empty \
    --define:global=window \
    --define:define.amd=false \
    --legal-comments=eof \
    --banner:js="/*! plotly.js v$version (partial: core, choropleth, scattergeo, bar; locale fr) | Copyright 2012-2026, Plotly, Inc. | MIT */" \
    --log-level=warning \
    --outfile="$tmp"
mv "$tmp" "$out"

for other in "$out_dir"/plotly-*-genscan.min.js; do
    if [ "$other" != "$out" ]; then
        echo "warning: remove ${other#"$repo"/}: Dash would load both bundles" >&2
    fi
done

if command -v sha256sum >/dev/null 2>&1; then
    sum="$(sha256sum "$out" | cut -d' ' -f1)"
else
    sum="$(shasum -a 256 "$out" | cut -d' ' -f1)"
fi
echo "${out#"$repo"/}  $(wc -c <"$out" | tr -d ' ') bytes"
echo "sha256  $sum"
