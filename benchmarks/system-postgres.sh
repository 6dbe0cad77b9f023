#!/usr/bin/env bash
# Runs the W1 benchmark against the machine's own PostgreSQL instead of the embedded one: starts a throw-away
# cluster of the system's binaries (pg_ctl on the PATH, else the newest /usr/lib/postgresql/*/bin; installs the
# `postgresql` package with apt-get when neither exists) on a free port, with the embedded server's settings,
# runs `java -jar benchmarks/target/benchmarks.jar --url=... "$@"`, then stops the cluster and deletes it.
#
#   benchmarks/system-postgres.sh --smoke
#   benchmarks/system-postgres.sh --repeat=3 --variants=raw,debezium,cdc-listener
#
# The exit status is the benchmark's (0 every row arrived, 1 some variant missed rows, 2 bad usage or set-up).
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` OS user (created when
# missing), as anyone else to the caller.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  echo "$jar is missing; build it first: ./mvnw -q -pl benchmarks -am package -DskipTests" >&2
  exit 2
fi

find_bin() {
  local ctl
  if ctl="$(command -v pg_ctl 2>/dev/null)"; then
    dirname "$(readlink -f "$ctl")"
    return 0
  fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

bin="$(find_bin || true)"
if [ -z "$bin" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  echo "== no PostgreSQL binaries found: installing the postgresql package" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin="$(find_bin || true)"
fi
if [ -z "$bin" ]; then
  echo "No PostgreSQL found (pg_ctl on the PATH or /usr/lib/postgresql/*/bin); install the postgresql package." >&2
  exit 2
fi

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  if ! id "$owner" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
  as_owner=(runuser -u "$owner" --)
fi

port=""
for candidate in $(seq 55432 55532); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
if [ -z "$port" ]; then
  echo "No free port in 55432-55532 for the system PostgreSQL." >&2
  exit 2
fi

data="$(mktemp -d /tmp/pgcdc-system-pg.XXXXXX)"
[ "${#as_owner[@]}" -gt 0 ] && chown "$owner" "$data"
cleanup() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

echo "== system PostgreSQL: $("$bin/postgres" --version) from $bin, port $port, data $data/cluster"
"${as_owner[@]}" "$bin/initdb" -D "$data/cluster" -U postgres --auth=trust -E UTF8 --locale=C >"$data/initdb.log" 2>&1 \
  || { cat "$data/initdb.log" >&2; exit 2; }
# the embedded server's settings (BenchmarkDatabase.startEmbedded, zonky's defaults): a throughput-minded,
# throw-away server
settings="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c wal_level=logical"
settings+=" -c max_replication_slots=64 -c max_wal_senders=10 -c fsync=off -c synchronous_commit=off"
settings+=" -c full_page_writes=off -c shared_buffers=256MB -c max_wal_size=4GB -c max_connections=300 -c timezone=UTC"
"${as_owner[@]}" "$bin/pg_ctl" -D "$data/cluster" -o "$settings" -l "$data/server.log" -w -t 60 start >/dev/null \
  || { cat "$data/server.log" >&2; exit 2; }
"$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE pgcdc_bench" >/dev/null

status=0
java -jar "$jar" --url="jdbc:postgresql://127.0.0.1:$port/pgcdc_bench" --user=postgres "$@" || status=$?
exit "$status"
