#!/usr/bin/env bash
# Runs every Concord benchmark side by side with its peers, on this machine, and writes the raw
# results to target/benchmarks/. Run it on a quiet machine: other load skews every ratio.
#   bash scripts/benchmarks.sh [SECONDS_PER_POINT]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
out=target/benchmarks
dir=${CONCORD_BENCH_DIR:-/var/tmp/concord-bench}
mkdir -p "$out" "$dir"
jmh=(-wi 2 -w 2s -i 3 -r 3s -f 1 -rf json)
run() { echo "== $1" >&2; shift; "$@"; }

mvn -B -q package -DskipTests
mvn -B -q -Pbench test-compile

run "write-ahead log vs the fsync floor" \
  java -jar target/concord.jar bench log --dir "$dir" --threads 1,4,16,64 --seconds "$seconds" --json \
  | tee "$out/log.jsonl"

run "transaction manager: Concord, Narayana (file, journal), Atomikos" \
  mvn -B -q -Pbench exec:exec -Dbench.args="--threads 1,4,16,64 --seconds $seconds --dir $dir" \
  | tee "$out/tm-peers.txt"

run "router: simulate 10 and 100 shards, 1M keys, one added" \
  bash -c 'for n in 10 100; do java -jar target/concord.jar shard simulate --shards $n --keys 1000000 --add 1 --json; done' \
  | tee "$out/shard-simulate.jsonl"

for bench in io.concord.shard.RoutingBenchmark io.concord.jdbc.PoolBorrowBenchmark \
    io.concord.jdbc.EnlistCommitBenchmark io.concord.transactional.TransactionalOverheadBenchmark; do
  run "JMH $bench" mvn -B -q exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
    "-Dexec.args=-cp %classpath org.openjdk.jmh.Main $bench ${jmh[*]} -rff $out/${bench##*.}.json" \
    | tee "$out/${bench##*.}.txt"
done

run "JMH io.concord.tm.TwoPhaseCommitBenchmark (allocation per transaction)" \
  mvn -B -q exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
  "-Dexec.args=-cp %classpath org.openjdk.jmh.Main io.concord.tm.TwoPhaseCommitBenchmark ${jmh[*]} -prof gc -rff $out/TwoPhaseCommitBenchmark.json" \
  | tee "$out/TwoPhaseCommitBenchmark.txt"

bash scripts/test-databases.sh # the lock benchmark runs on PostgreSQL and MariaDB
run "locks: Concord vs ShedLock's JDBC provider" \
  mvn -B -q exec:java -Dexec.mainClass=io.concord.lock.LockBenchmark -Dexec.classpathScope=test \
  -Dexec.args="--seconds $seconds --warmup 3" | tee "$out/locks.txt"
