#!/usr/bin/env bash
# The full benchmark report (docs/benchmarks.md): workload W1 on the embedded PostgreSQL and on the machine's
# own PostgreSQL (benchmarks/system-postgres.sh), three interleaved rounds of every variant each, medians with
# min-max. Builds the benchmark jar first (BENCH_NO_BUILD=1 skips that); extra arguments go to both runs
# (e.g. --rows=200000 for a quick look). The report is printed and kept in benchmarks/target/report-<date>.txt.
#
#   benchmarks/report.sh
#
# Exit status: 0 when every variant received every row on both servers, else the worse of the two runs'.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  ./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests
fi
jar=benchmarks/target/benchmarks.jar

variants=raw,pg_recvlogical,debezium,full,cdc-listener,redis
# the sinks that exist in this build (the usage text lists every variant) and can run here
# BENCH_NO_RABBIT=1 leaves the RabbitMQ rounds out (about a third of the report's time)
if [ "${BENCH_NO_RABBIT:-0}" != 1 ] && java -jar "$jar" --help 2>&1 | grep -Eq "^ +rabbit +" \
    && { command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; }; then
  variants+=",rabbit"
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
report="benchmarks/target/report-$stamp.txt"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- . 2>/dev/null)" ]; then
  commit+=" (with uncommitted changes)"
fi

{
  echo "# pgcdc benchmark report"
  echo "command: benchmarks/report.sh $*"
  echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit:  $commit"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min) before the run"
  echo
  echo "## embedded PostgreSQL: java -jar $jar --repeat=3 --variants=$variants $*"
} | tee "$report"

set +e
java -jar "$jar" --repeat=3 --variants="$variants" "$@" 2>&1 | tee -a "$report"
embedded=${PIPESTATUS[0]}

echo | tee -a "$report"
echo "## system PostgreSQL: benchmarks/system-postgres.sh --repeat=3 --variants=$variants $*" | tee -a "$report"
benchmarks/system-postgres.sh --repeat=3 --variants="$variants" "$@" 2>&1 | tee -a "$report"
system=${PIPESTATUS[0]}
set -e

status=$(( embedded > system ? embedded : system ))
{
  echo
  echo "exit status: embedded $embedded, system $system; whole report in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
  echo "report kept in $report"
} | tee -a "$report"
exit "$status"
