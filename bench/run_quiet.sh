#!/usr/bin/env bash
# The quiet-machine run: every benchmark of bench/README.md's table, one after the other.
# Run it with nothing else working on the machine. Stores are kept in $BENCH_DIR between runs
# (the 1M stores take minutes to build); $BENCH_PG is a PostgreSQL database the queue bench
# may empty. The export runs before PostgreSQL: right after 16 clients the server's own
# checkpoint and autovacuum take CPU for a minute.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DIR=${BENCH_DIR:-/tmp/calldesk-bench}
PG=${BENCH_PG:-postgresql+psycopg://calldesk:calldesk@127.0.0.1:5432/calldesk_bench}
mkdir -p "$DIR/queue" "$DIR/import"
echo "== $(date -u) $(git log --oneline -1) load: $(cat /proc/loadavg)"
echo "== startup"; $PY bench/bench_startup.py --runs 7
echo "== import vs reference"; $PY bench/bench_import.py --against-reference --rows 1000000 --keep "$DIR/import"
echo "== queue imported"; $PY bench/bench_queue.py --imported 100000,1000000 --sizes 0 --samples 300 --dir "$DIR/queue"
echo "== export"; $PY bench/bench_sync.py --skip-webhook --rows 1000000 --formats csv,xlsx --db "$DIR/export-1m.sqlite3" --keep
echo "== pg"; $PY bench/bench_queue.py --imported 0 --sizes 0 --pg "$PG" --clients 1,4,16 --pg-contacts 50000 --seconds 8
echo "== end $(date -u) load: $(cat /proc/loadavg)"
