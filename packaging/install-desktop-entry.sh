#!/usr/bin/env bash
# Put Designer in the desktop's application menu for this user: a link to the executable in ~/.local/bin,
# the .desktop entry and the icons under ~/.local/share. Run it from the unpacked bundle folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HOME/.local/bin" "$HOME/.local/share"
ln -sf "$here/designer-app" "$HOME/.local/bin/designer-app"
cp -r "$here/share/." "$HOME/.local/share/"
sed -i "s|^Exec=designer-app|Exec=$here/designer-app|" "$HOME/.local/share/applications/designer-app.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$HOME/.local/share/applications" || true
echo "Designer is in your application menu; 'designer-app' runs it from a terminal (if ~/.local/bin is on PATH)."
