#!/usr/bin/env bash
# The shipped forms of calldesk, checked the way a user gets them (.ci/run runs this after the
# tests; it needs the .venv that `scripts/dev.sh test` made):
#   1. the wheel, installed with its dependencies in a fresh venv in a temporary folder outside
#      the tree: `calldesk --version`, `calldesk --db TMP demo --json`, the desk offscreen;
#   2. with CI=true or --bundle: the desktop bundle and its tarball (packaging/build_linux.sh),
#      at most 450 MB on disk, the same smoke test on it plus the double-click start, and the
#      tarball's install.sh into a temporary home with its desktop files validated.
# Any traceback, wrong output or size over budget fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"
MAX_BUNDLE_MB=450
BUNDLE=0
if [ "${CI:-}" = true ] || [ "${1:-}" = --bundle ]; then BUNDLE=1; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'ship check FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || fail "no $PY: run bash scripts/dev.sh test first"
TMP="$(mktemp -d /tmp/calldesk-ship.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
# Never the developer's real store or settings, never the source tree on the path.
export CALLDESK_DATA_DIR="$TMP/data" CALLDESK_CONFIG_DIR="$TMP/config"
unset PYTHONPATH CALLDESK_DB
export PIP_DISABLE_PIP_VERSION_CHECK=1

# smoke NAME CMD...: the command line and the desk, as shipped, from a folder outside the tree.
smoke() {
  local name="$1"
  shift
  local dir="$TMP/smoke-$name"
  mkdir -p "$dir"
  say "$name: calldesk --version"
  local version
  version="$(cd "$dir" && "$@" --version)"
  [ "$version" = "calldesk $("$PY" -c 'import calldesk; print(calldesk.__version__)')" ] \
    || fail "$name: --version printed '$version'"
  say "$name: calldesk --db $dir/demo.sqlite3 demo --json"
  (cd "$dir" && "$@" --db "$dir/demo.sqlite3" demo --json >"$dir/demo.json" 2>"$dir/demo.err") \
    || { cat "$dir/demo.err" >&2; fail "$name: demo failed"; }
  "$PY" - "$dir/demo.json" <<'PY' || fail "$name: demo --json is not one JSON document with contacts"
import json, sys
data = json.load(open(sys.argv[1]))
assert data["counts"]["contacts"] > 0, data["counts"]
PY
  say "$name: the desk, offscreen for 8 s"
  desk "$name" "$dir" "$@" --db "$dir/demo.sqlite3" desk
}

# desk NAME DIR CMD...: run a desk command offscreen; it must still be up after 8 s, silently.
desk() {
  local name="$1" dir="$2"
  shift 2
  local rc=0
  (cd "$dir" && QT_QPA_PLATFORM=offscreen timeout 8 "$@" >"$dir/desk.out" 2>"$dir/desk.err") || rc=$?
  if [ "$rc" != 124 ] || grep -q "Traceback\|^calldesk:" "$dir/desk.err"; then
    cat "$dir/desk.out" "$dir/desk.err" >&2
    fail "$name: the desk did not stay open (exit code $rc)"
  fi
}

say "building the wheel"
rm -rf build/lib build/bdist.*  # a stale setuptools build folder would leak old files in
"$PY" -m build --wheel --outdir "$TMP/wheel" . >"$TMP/build.log" 2>&1 \
  || { cat "$TMP/build.log" >&2; fail "the wheel did not build"; }
wheel="$(ls "$TMP"/wheel/calldesk-*.whl)"

say "installing $(basename "$wheel") in a fresh venv (versions of requirements.lock)"
"$PY" -m venv "$TMP/venv"
# -c: the dependency ranges of pyproject.toml resolved to the tested pins (and pip's cache).
"$TMP/venv/bin/python" -m pip install -q -c requirements.lock "$wheel" >"$TMP/pip.log" 2>&1 \
  || { cat "$TMP/pip.log" >&2; fail "the wheel did not install"; }
resources="$(cd "$TMP" && "$TMP/venv/bin/python" -c 'from calldesk import paths; print(paths.resources_root())')"
case "$resources" in "$TMP/venv/"*) ;; *) fail "resources come from $resources, not the wheel" ;; esac
smoke wheel "$TMP/venv/bin/calldesk"
say "wheel: calldesk-desk (the menu entry's command) on a new computer (first run: demo)"
mkdir -p "$TMP/wheel-first"
CALLDESK_DATA_DIR="$TMP/wheel-first/data" CALLDESK_FIRST_RUN=demo \
  desk wheel-first-run "$TMP/wheel-first" "$TMP/venv/bin/calldesk-desk"
[ -s "$TMP/wheel-first/data/calldesk.sqlite3" ] || fail "calldesk-desk made no default store"

if [ "$BUNDLE" != 1 ]; then
  say "wheel checked (the bundle is checked with CI=true or --bundle)"
  exit 0
fi

# binutils: PyInstaller strips the bundle's libraries. The X11 helper libraries Qt's xcb
# platform needs are often missing on users' desktops: present here, they go into the bundle.
BUILD_PKGS=(binutils libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-image0 libxcb-xkb1)
missing=()
for pkg in "${BUILD_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing system packages for the bundle: ${missing[*]}"
  sudo_=""
  [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
say "building the desktop bundle and tarball (PyInstaller, ~2 min)"
tarball="$(bash packaging/build_linux.sh "$TMP/dist" | tail -1)"
bundle="$TMP/dist/calldesk"
size_mb="$(du -sm "$bundle" | cut -f1)"
say "bundle: ${size_mb} MB on disk, $(du -m "$tarball" | cut -f1) MB as $(basename "$tarball")"
du -sm "$bundle"/_internal/* | sort -n | tail -5 >&2
[ "$size_mb" -le "$MAX_BUNDLE_MB" ] || fail "the bundle is ${size_mb} MB, over ${MAX_BUNDLE_MB} MB"
smoke bundle "$bundle/calldesk"
"$bundle/calldesk-cli" --version >/dev/null || fail "calldesk-cli does not start"

say "bundle: a double-click on a new machine (first run: demo)"
mkdir -p "$TMP/first"
CALLDESK_DATA_DIR="$TMP/first/data" CALLDESK_FIRST_RUN=demo desk first-run "$TMP/first" "$bundle/calldesk"
[ -s "$TMP/first/data/calldesk.sqlite3" ] || fail "the first run made no default store"

say "tarball: install.sh into a temporary home"
mkdir -p "$TMP/unpacked" "$TMP/home"
tar -C "$TMP/unpacked" -xzf "$tarball"
home="$TMP/home"
(HOME="$home" XDG_DATA_HOME="" bash "$TMP"/unpacked/calldesk-*/install.sh)
apps="$home/.local/share/applications/io.github.calldesk.Calldesk.desktop"
desktop-file-validate "$apps" || fail "the installed desktop entry is not valid"
appstreamcli validate --no-net "$home/.local/share/metainfo/io.github.calldesk.Calldesk.metainfo.xml" \
  >/dev/null || fail "the installed AppStream file is not valid"
[ -f "$home/.local/share/icons/hicolor/scalable/apps/io.github.calldesk.Calldesk.svg" ] \
  || fail "no icon installed"
exec_path="$(sed -n 's/^Exec="\(.*\)"$/\1/p' "$apps")"
[ -x "$exec_path" ] || fail "the menu entry starts '$exec_path', which is not there"
"$home/.local/bin/calldesk" --version >/dev/null || fail "the installed command does not start"
(HOME="$home" XDG_DATA_HOME="" bash "$TMP"/unpacked/calldesk-*/install.sh --uninstall)
[ ! -e "$apps" ] && [ ! -e "$home/.local/lib/calldesk" ] || fail "uninstall left files behind"
say "wheel, bundle and desktop install checked"
