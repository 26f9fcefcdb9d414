#!/usr/bin/env bash
# Build the Linux desktop download: the one-folder bundle and the tarball users install from.
#   bash packaging/build_linux.sh [OUT]   (OUT defaults to dist/; needs the dev .venv)
# Makes OUT/calldesk/ (the bundle) and OUT/calldesk-VERSION-linux-ARCH.tar.gz holding
# the bundle, install.sh, the .desktop entry, the AppStream metainfo and the icons.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

version="$("$PY" -c 'import calldesk; print(calldesk.__version__)')"
name="calldesk-$version-linux-$(uname -m)"

"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$OUT" --workpath "$WORK/build" \
  packaging/calldesk.spec

mkdir -p "$WORK/$name"
cp -R "$OUT/calldesk" "$WORK/$name/calldesk"
for file in install.sh io.github.calldesk.Calldesk.desktop io.github.calldesk.Calldesk.metainfo.xml \
  io.github.calldesk.Calldesk.svg io.github.calldesk.Calldesk.png; do
  cp "packaging/$file" "$WORK/$name/"
done
cat >"$WORK/$name/README.txt" <<TXT
calldesk $version for Linux

Install: open a terminal in this folder and run ./install.sh
calldesk then appears in your applications menu (Office > calldesk). The first start asks
whether to begin with a demo store or an empty one.
Uninstall: ./install.sh --uninstall (your store is kept).
TXT
tar -C "$WORK" -czf "$OUT/$name.tar.gz" "$name"
echo "$OUT/$name.tar.gz"
