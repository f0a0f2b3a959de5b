#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL cluster on a loopback port.
#   .ci/postgres.sh start DIR PORT   -> prints the database URL
#   .ci/postgres.sh stop DIR
set -euo pipefail
action=$1 dir=$2 port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed" >&2; exit 1; }
run_as() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
case $action in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      run_as "$bin/initdb -D '$dir/data' -U postgres --auth=trust -E UTF8 >'$dir/initdb.log'"
    fi
    run_as "$bin/pg_ctl -D '$dir/data' -l '$dir/log' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200\" -w start" >/dev/null
    psql -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE intranet_test;" >/dev/null 2>&1 || true
    echo "postgresql://postgres@127.0.0.1:$port/intranet_test"
    ;;
  stop)
    run_as "$bin/pg_ctl -D '$dir/data' -m fast -w stop" >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
