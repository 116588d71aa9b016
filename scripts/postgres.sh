#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 on a loopback port, for CI, tests and benchmarks.
#   source scripts/postgres.sh; qp_pg_start [PORT]   -> exports QP_PG_PORT, QP_PG_DIR, QP_PG_BIN, QP_TEST_POSTGRES
#   qp_pg_stop                                         -> stops it and removes its folder
# postgres refuses to run as root, so the server runs as the 'postgres' user in a fresh temporary folder.

qp_pg_log() { printf '[postgres] %s\n' "$*" >&2; }

qp_pg_find_bin() {
  local initdb
  initdb="$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/initdb$' | head -1 || true)"
  if [[ -z "$initdb" ]]; then
    qp_pg_log "postgresql-15 not installed; installing from Debian's packages"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
    initdb="$(dpkg -L postgresql-15 | grep '/bin/initdb$' | head -1)"
  fi
  dirname "$initdb"
}

# Returns non-zero, with nothing left running, when the server cannot be started here: a port already
# taken would otherwise send the tests to whatever listens on it.
qp_pg_start() {
  QP_PG_PORT="${1:-${QP_PG_PORT:-55439}}"
  if (exec 3<>"/dev/tcp/127.0.0.1/$QP_PG_PORT") 2>/dev/null; then
    qp_pg_log "port $QP_PG_PORT is already in use on 127.0.0.1; choose another (QP_CI_PGPORT for .ci/run)"
    return 1
  fi
  QP_PG_BIN="$(qp_pg_find_bin)" && [[ -x "$QP_PG_BIN/initdb" ]] || { qp_pg_log "PostgreSQL 15's binaries not found"; return 1; }
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres || return 1
  QP_PG_DIR="$(mktemp -d)"
  chown postgres: "$QP_PG_DIR"
  chmod 700 "$QP_PG_DIR"
  if ! runuser -u postgres -- "$QP_PG_BIN/initdb" -D "$QP_PG_DIR/db" -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null ||
    ! runuser -u postgres -- "$QP_PG_BIN/pg_ctl" -D "$QP_PG_DIR/db" -l "$QP_PG_DIR/server.log" \
      -o "-c listen_addresses=127.0.0.1 -c unix_socket_directories=$QP_PG_DIR -p $QP_PG_PORT -c max_connections=300" -w start >/dev/null; then
    qp_pg_log "PostgreSQL did not start; its log:"
    cat "$QP_PG_DIR/server.log" >&2 2>/dev/null
    rm -rf "$QP_PG_DIR"
    QP_PG_DIR=""
    return 1
  fi
  export QP_PG_PORT QP_PG_DIR QP_PG_BIN
  export QP_TEST_POSTGRES="Host=127.0.0.1;Port=$QP_PG_PORT;Username=postgres;Database=postgres;Pooling=true"
  qp_pg_log "PostgreSQL 15 listening on 127.0.0.1:$QP_PG_PORT"
}

# A shell that has only QP_PG_DIR (a fresh one, told where the server lives) finds the binaries again. The folder is
# removed only once no server runs in it: deleting a running server's files would leave it serving from nothing.
qp_pg_stop() {
  [[ -n "${QP_PG_DIR:-}" ]] || return 0
  [[ -x "${QP_PG_BIN:-}/pg_ctl" ]] || QP_PG_BIN="$(qp_pg_find_bin)"
  runuser -u postgres -- "$QP_PG_BIN/pg_ctl" -D "$QP_PG_DIR/db" -m fast -w stop >/dev/null 2>&1 || true
  if [[ -f "$QP_PG_DIR/db/postmaster.pid" ]]; then
    qp_pg_log "the server in $QP_PG_DIR did not stop; its folder is kept"
    return 1
  fi
  rm -rf "$QP_PG_DIR"
  QP_PG_DIR=""
}
