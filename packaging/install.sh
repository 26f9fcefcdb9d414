#!/usr/bin/env bash
# Install calldesk for this user (no root, no terminal skills needed beyond running this):
#   ./install.sh              put calldesk in your menu (Office > calldesk) and on your PATH
#   ./install.sh --uninstall  take it out again (your calls and lists stay where they are)
# Files: the program in ~/.local/lib/calldesk, the command ~/.local/bin/calldesk, the menu
# entry, icon and AppStream data in ~/.local/share. Your store is never touched.
set -euo pipefail

APP_ID=io.github.calldesk.Calldesk
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
LIB="$HOME/.local/lib/calldesk"
BIN="$HOME/.local/bin"
DESKTOP="$DATA/applications/$APP_ID.desktop"
METAINFO="$DATA/metainfo/$APP_ID.metainfo.xml"
ICON_SVG="$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
ICON_PNG="$DATA/icons/hicolor/256x256/apps/$APP_ID.png"

say() { printf '%s\n' "$*"; }

refresh_menus() {
  # Desktops pick new entries up by themselves; these only make it immediate where present.
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$DATA/applications" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t "$DATA/icons/hicolor" 2>/dev/null || true
  fi
}

uninstall() {
  rm -rf "$LIB"
  rm -f "$DESKTOP" "$METAINFO" "$ICON_SVG" "$ICON_PNG"
  if [ -L "$BIN/calldesk" ]; then rm -f "$BIN/calldesk"; fi
  refresh_menus
  say "calldesk is uninstalled. Your store is still in ${XDG_DATA_HOME:-$HOME/.local/share}/calldesk."
}

install() {
  if [ ! -x "$HERE/calldesk/calldesk" ]; then
    say "install.sh: the program folder $HERE/calldesk is missing: unpack the whole" \
      "calldesk-*-linux-*.tar.gz archive and run install.sh from inside it." >&2
    exit 1
  fi
  mkdir -p "$(dirname "$LIB")" "$BIN" "$(dirname "$DESKTOP")" "$(dirname "$METAINFO")" \
    "$(dirname "$ICON_SVG")" "$(dirname "$ICON_PNG")"
  # Copy beside, then swap: a failed copy never leaves half a program behind.
  rm -rf "$LIB.new"
  cp -R "$HERE/calldesk" "$LIB.new"
  rm -rf "$LIB"
  mv "$LIB.new" "$LIB"
  ln -sfn "$LIB/calldesk" "$BIN/calldesk"
  # The menu entry starts the installed program by its full path (~/.local/bin may not be on
  # the desktop's PATH); with no arguments it opens the desk.
  sed -e "s|^Exec=.*|Exec=\"$LIB/calldesk\"|" -e "s|^TryExec=.*||" \
    "$HERE/$APP_ID.desktop" >"$DESKTOP"
  cp "$HERE/$APP_ID.metainfo.xml" "$METAINFO"
  cp "$HERE/$APP_ID.svg" "$ICON_SVG"
  cp "$HERE/$APP_ID.png" "$ICON_PNG"
  refresh_menus
  say "calldesk is installed: open it from your applications menu (Office > calldesk)."
  say "The command line is $BIN/calldesk (try: calldesk --help)."
  case ":$PATH:" in *":$BIN:"*) ;; *) say "($BIN is not on your PATH yet: log out and in again.)" ;; esac
}

case "${1:-}" in
  "") install ;;
  --uninstall) uninstall ;;
  *) say "usage: ./install.sh [--uninstall]" >&2; exit 2 ;;
esac
