#!/usr/bin/env bash
# calldesk set-up on a fresh Debian 12 machine (as root, or with sudo), then:
#   scripts/dev.sh run    install everything and open the desk on a demo store
#   scripts/dev.sh test   install everything and run the checks and tests (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/.venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

# Qt's runtime libraries (offscreen and tests) and fonts.
QT_LIBS=(libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3 fonts-dejavu-core)
# Validators for the desktop metadata in packaging/.
META_TOOLS=(desktop-file-utils appstream)
# A real window (X11 or Xvfb): Qt blames xcb-cursor, but icccm4 and keysyms1 are the usual gaps.
WINDOW_LIBS=(xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-image0 libxcb-xkb1)

python_env() {
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
  fi
  say "installing Python packages (pinned in requirements.lock)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.lock
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . \
    2>/dev/null || "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
}

pg_reachable() {
  "$VENV/bin/python" - "$1" <<'PY' 2>/dev/null
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.connect() as conn:
    conn.execute(text("select 1"))
PY
}

postgres_for_tests() {
  local url="${CALLDESK_TEST_PG:-postgresql+psycopg://calldesk:calldesk@127.0.0.1:5432/calldesk}"
  if pg_reachable "$url"; then export CALLDESK_TEST_PG="$url"; return; fi
  say "starting PostgreSQL for the tests"
  apt_install postgresql
  local version cluster
  version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then as_root pg_createcluster "$version" main >/dev/null; fi
  cluster="$(pg_lsclusters -h | head -1 | awk '{print $1" "$2}')"
  as_root pg_ctlcluster $cluster start 2>/dev/null || true
  for _ in $(seq 1 30); do
    as_root runuser -u postgres -- psql -qAtc "select 1" >/dev/null 2>&1 && break; sleep 0.5
  done
  as_root runuser -u postgres -- psql -qc \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='calldesk') THEN
       CREATE ROLE calldesk LOGIN SUPERUSER PASSWORD 'calldesk'; END IF; END\$\$;" >/dev/null
  as_root runuser -u postgres -- psql -qAtc "select 1 from pg_database where datname='calldesk'" \
    | grep -q 1 || as_root runuser -u postgres -- createdb -O calldesk calldesk
  export CALLDESK_TEST_PG="postgresql+psycopg://calldesk:calldesk@127.0.0.1:5432/calldesk"
  pg_reachable "$CALLDESK_TEST_PG" || { say "PostgreSQL did not come up"; exit 1; }
}

cmd_test() {
  apt_install "${QT_LIBS[@]}" "${META_TOOLS[@]}"
  python_env
  postgres_for_tests
  say "ruff"
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  say "tests (SQLite and PostgreSQL at ${CALLDESK_TEST_PG%%@*}@...)"
  QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest "$@"
}

cmd_run() {
  apt_install "${QT_LIBS[@]}" "${WINDOW_LIBS[@]}"
  python_env
  local data="${CALLDESK_DATA_DIR:-$("$VENV/bin/python" -c 'from calldesk import paths; print(paths.data_dir())')}"
  local demo="$data/demo.sqlite3"
  if [ ! -s "$demo" ]; then
    say "building the demo store $demo"
    "$VENV/bin/calldesk" --db "$demo" demo
  fi
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    say "no display here (DISPLAY is not set): to open the desk on a virtual screen run"
    say "  xvfb-run -a -s '-screen 0 1280x800x24' scripts/dev.sh run"
    exit 1
  fi
  # A data location chosen in Settings wins; the demo is only for when nothing was chosen.
  if [ -n "$("$VENV/bin/python" -c 'from calldesk import settings; print(settings.get("db_url"))')" ]; then
    say "opening the desk on the data location chosen in Settings"
    exec "$VENV/bin/calldesk" desk
  fi
  say "opening the desk on $demo"
  exec "$VENV/bin/calldesk" --db "$demo" desk
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  *) echo "usage: scripts/dev.sh run|test [pytest args]" >&2; exit 2 ;;
esac
