#!/usr/bin/env bash
# Try the built bundle as a user without Python would: copy dist/designer-app to a fresh folder and, in a
# clean environment (env -i: no venv, no PYTHONPATH, no source tree), list the priors, run the README's
# headless demo (new + run + status + export) and keep the window open offscreen for 20 s.
# Usage: bash packaging/smoke_test.sh [BUNDLE_FOLDER]   (default: dist/designer-app)
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=$(cd "${1:-dist/designer-app}" && pwd)
work=$(mktemp -d /tmp/designer-bundle-smoke.XXXXXX)
cp -r "$bundle" "$work/app"
home="$work/home"
mkdir -p "$home"
run() { env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"; }
app="$work/app/designer-app"
cd "$work"   # nowhere near the source tree
t0=$(date +%s.%N)
run "$app" list priors
t1=$(date +%s.%N)
echo "start-up + list priors: $(echo "$t1 - $t0" | bc) s"
run "$app" new demo --domain molecules --oracle qed --method seiko-ucb --rounds 4 --batch-size 128
t2=$(date +%s.%N)
run "$app" run demo
t3=$(date +%s.%N)
run "$app" status demo
run "$app" export demo "$work/demo.csv" --top 10
echo "demo campaign (4 x 128): $(echo "$t3 - $t2" | bc) s; exported $(($(wc -l < "$work/demo.csv") - 1)) rows"
set +e
run QT_QPA_PLATFORM=offscreen timeout 20 "$app" > "$work/window.log" 2>&1
code=$?
set -e
if [ "$code" -ne 124 ] || grep -q "Traceback\|Error" "$work/window.log"; then
  echo "the window did not stay open for 20 s (exit $code):"; cat "$work/window.log"; exit 1
fi
echo "window open offscreen for 20 s without error"
echo "bundle size: $(du -sh "$work/app" | cut -f1); smoke test folder: $work"
