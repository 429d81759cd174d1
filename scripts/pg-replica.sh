#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL (the primary on 127.0.0.1:5432) on 127.0.0.1:5433,
# for the tests that need replica lag on demand (packages/testkit/src/replica.ts sets
# recovery_min_apply_delay on it). Idempotent: exits 0 at once when a standby already answers on
# 5433; starts a stopped one; re-creates a broken one. Run as root (the server runs as postgres)
# or as the postgres user. The last line names the replica's URL.
set -euo pipefail

PRIMARY_PORT=5432
REPLICA_PORT=5433
HOST=127.0.0.1
DB=test
DATA=${CEREAL_PG_REPLICA_DIR:-/var/lib/postgresql/cereal-replica}
SOCKETS=${CEREAL_PG_REPLICA_SOCKETS:-/var/run/postgresql}
LOG="$DATA.log"

die() { echo "pg-replica: $*" >&2; exit 1; }

VERSION=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
[ -n "$VERSION" ] || die "no PostgreSQL cluster under /etc/postgresql"
BIN=/usr/lib/postgresql/$VERSION/bin
[ -x "$BIN/pg_ctl" ] || die "no $BIN/pg_ctl"
PSQL=$(command -v psql || echo "$BIN/psql")

# Run a command as the postgres user (the owner of the clusters) from a directory it can read.
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
elif [ "$(id -un)" = postgres ]; then
  as_pg() { (cd / && "$@"); }
else
  die "run as root or as postgres (running as $(id -un))"
fi

sql() { # sql PORT QUERY: one value, no header; fails when the server does not answer
  "$PSQL" -X -q -At -h "$HOST" -p "$1" -U postgres -d "$DB" -c "$2" 2>/dev/null
}
# A standby whose WAL receiver streams from the primary (a standby that fell so far behind that
# the primary recycled the WAL it needs stays in recovery but streams nothing).
is_standby() {
  [ "$(sql "$REPLICA_PORT" "select pg_is_in_recovery() and exists (select from pg_stat_wal_receiver where status = 'streaming' and sender_port = $PRIMARY_PORT)" || true)" = t ]
}
wait_standby() {
  for _ in $(seq 1 "${1:-60}"); do
    is_standby && return 0
    sleep 1
  done
  return 1
}
done_() { echo "replica: postgres://postgres@$HOST:$REPLICA_PORT/$DB (streaming from $PRIMARY_PORT)"; exit 0; }

is_standby && done_

# Something else on 5433 that is not a standby: do not touch it.
if (exec 3<>"/dev/tcp/$HOST/$REPLICA_PORT") 2>/dev/null; then
  wait_standby 10 && done_ # a standby that is still starting up refuses connections for a moment
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    die "port $REPLICA_PORT is taken by something that is not a standby of the primary"
  fi
fi

# The primary: replication allowed from 127.0.0.1, WAL senders on.
[ "$(sql "$PRIMARY_PORT" 'select 1' || true)" = 1 ] || die "the primary does not answer on $HOST:$PRIMARY_PORT"
wal_level=$(sql "$PRIMARY_PORT" 'show wal_level')
senders=$(sql "$PRIMARY_PORT" 'show max_wal_senders')
case "$wal_level" in replica | logical) ;; *) die "the primary has wal_level=$wal_level; set wal_level = replica in its postgresql.conf and restart it" ;; esac
[ "$senders" -gt 0 ] || die "the primary has max_wal_senders=$senders; set it above 0 in its postgresql.conf and restart it"
hba=$(sql "$PRIMARY_PORT" 'show hba_file')
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  printf '\n# streaming replica for the cereal tests (scripts/pg-replica.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
  sql "$PRIMARY_PORT" 'select pg_reload_conf()' >/dev/null
  sleep 1
fi

write_conf() { # the base backup copies postgresql.auto.conf but not Debian's /etc postgresql.conf
  # A hot standby refuses to run with any of these below the primary's: take the primary's.
  local same='' name
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    same+="$name = $(sql "$PRIMARY_PORT" "show $name")"$'\n'
  done
  as_pg tee "$DATA/postgresql.conf" >/dev/null <<EOF
# Written by scripts/pg-replica.sh: a hot standby of $HOST:$PRIMARY_PORT.
port = $REPLICA_PORT
listen_addresses = '$HOST'
unix_socket_directories = '$SOCKETS'
hot_standby = on
hot_standby_feedback = on
hba_file = '$DATA/pg_hba.conf'
ident_file = '$DATA/pg_ident.conf'
shared_buffers = 32MB
${same}log_line_prefix = '%m [%p] '
EOF
  as_pg tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
  as_pg touch "$DATA/pg_ident.conf"
}

create() {
  echo "pg-replica: base backup of $HOST:$PRIMARY_PORT into $DATA"
  case "$DATA" in /?*/?*) rm -rf "$DATA" ;; *) die "refusing to remove $DATA" ;; esac
  mkdir -p "$(dirname "$DATA")" "$SOCKETS"
  chown postgres:postgres "$SOCKETS" 2>/dev/null || true
  as_pg "$BIN/pg_basebackup" -h "$HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
  write_conf
}

start() {
  as_pg touch "$LOG" 2>/dev/null || { touch "$LOG" && chown postgres:postgres "$LOG"; }
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
}

healthy() { # a data dir this script made, a standby (standby.signal), with its config
  [ -f "$DATA/PG_VERSION" ] && [ "$(cat "$DATA/PG_VERSION")" = "$VERSION" ] &&
    [ -f "$DATA/standby.signal" ] && [ -f "$DATA/global/pg_control" ] && [ -f "$DATA/postgresql.conf" ]
}

mkdir -p "$SOCKETS" && chown postgres:postgres "$SOCKETS" 2>/dev/null || true
if [ -d "$DATA" ] && healthy; then
  if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    wait_standby 20 && done_
    echo "pg-replica: the server in $DATA runs but is not a streaming standby on $REPLICA_PORT; re-creating it" >&2
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  else
    echo "pg-replica: starting the stopped replica in $DATA"
    if start && wait_standby; then done_; fi
    echo "pg-replica: the replica in $DATA did not come up (see $LOG); re-creating it" >&2
    as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
elif [ -e "$DATA" ]; then
  echo "pg-replica: $DATA is not a usable replica; re-creating it" >&2
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
fi

create
start || { tail -20 "$LOG" >&2; die "the replica did not start (see $LOG)"; }
wait_standby || { tail -20 "$LOG" >&2; die "the replica on $REPLICA_PORT is not a standby (see $LOG)"; }
done_
