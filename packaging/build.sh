#!/usr/bin/env bash
# Build the self-contained Designer bundle (Linux): dist/designer-app/ with the `designer-app` executable
# (window and CLI), the shipped priors and data, plus a tarball with the desktop entry, icons and AppStream
# metadata. Usage, from anywhere in a clone:
#   bash packaging/build.sh            # CPU torch (torch==2.13.0), the default bundle
#   TORCH_SPEC="torch" bash packaging/build.sh   # your own torch build, e.g. a CUDA one (see packaging/README.md)
# The build runs in its own venv (packaging/.build-venv) so nothing of the system Python leaks in.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${BUILD_VENV:-$ROOT/packaging/.build-venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
started=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
pip install -q "$TORCH_SPEC"
pip install -q "$ROOT" "pyinstaller>=6.10"
rm -rf "$ROOT/build/pyinstaller" "$ROOT/dist/designer-app"
pyinstaller --noconfirm --log-level WARN --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  "$ROOT/packaging/designer-app.spec"
# desktop integration next to the executable: the .desktop file, the icon set and the AppStream metadata
share="$ROOT/dist/designer-app/share"
mkdir -p "$share/applications" "$share/metainfo"
cp "$ROOT/packaging/designer-app.desktop" "$share/applications/"
cp "$ROOT/packaging/io.github.designer_app.Designer.metainfo.xml" "$share/metainfo/"
for png in "$ROOT"/resources/icons/designer-app-*.png; do
  size=$(basename "$png" .png | sed 's/designer-app-//')
  mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$share/icons/hicolor/${size}x${size}/apps/designer-app.png"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
cp "$ROOT/resources/icons/designer-app.svg" "$share/icons/hicolor/scalable/apps/designer-app.svg"
cp "$ROOT/packaging/install-desktop-entry.sh" "$ROOT/dist/designer-app/"
tar -C "$ROOT/dist" -czf "$ROOT/dist/designer-app-linux-$(uname -m).tar.gz" designer-app
elapsed=$(( $(date +%s) - started ))
echo "built $ROOT/dist/designer-app ($(du -sh "$ROOT/dist/designer-app" | cut -f1)) and" \
     "$(basename "$ROOT"/dist/designer-app-linux-*.tar.gz) ($(du -sh "$ROOT"/dist/designer-app-linux-*.tar.gz | cut -f1)) in ${elapsed} s"
