#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at a throwaway PostgreSQL server on loopback.
# Uses TEST_DATABASE_URL as it is when already set. PostgreSQL refuses to run as root, so as root
# the server runs as the `postgres` user. The server and its data are removed afterwards.
set -euo pipefail

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "PostgreSQL server binaries not found. Install them (Debian: apt-get install postgresql) or set TEST_DATABASE_URL." >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
cleanup() {
  as_pg "'$bindir/pg_ctl' -D '$tmp/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

as_pg "'$bindir/initdb' -D '$tmp/data' -U postgres --auth=trust -E UTF8 --no-locale" >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
as_pg "'$bindir/pg_ctl' -D '$tmp/data' -l '$tmp/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$tmp' -c max_connections=200 -c fsync=off\" start" >/dev/null \
  || { cat "$tmp/server.log" >&2; exit 1; }

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
export TEST_POSTGRES_BIN="$bindir" TEST_POSTGRES_DATA="$tmp/data"
set +e
"$@"
status=$?
set -e
exit $status
