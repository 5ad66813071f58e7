#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on one machine, for tests and benchmarks (production: README.md).
#
#   deploy/galera/cluster.sh start  DIR        # install (first time), bootstrap node 1, join 2 and 3; wait for Synced
#   deploy/galera/cluster.sh stop   DIR        # stop every node by its PID (SIGTERM, then SIGKILL after 60 s)
#   deploy/galera/cluster.sh status DIR        # each node: pid, port, wsrep_cluster_size, wsrep_local_state_comment
#   deploy/galera/cluster.sh start-node DIR N  # (re)start node N into the running cluster (IST if gcache has it)
#   deploy/galera/cluster.sh stop-node  DIR N
#
# Node N (1…3) listens for MySQL on PORT+N-1 (ANXIN_GALERA_PORT, default 13306), for gcomm on GCOMM+10(N-1)
# (ANXIN_GALERA_GCOMM, default 14567), for IST on that +1 and for the rsync SST on that +2. Everything it
# writes is under DIR/nodeN. root@127.0.0.1 has no password: a scratch cluster on loopback only.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PORT="${ANXIN_GALERA_PORT:-13306}"
GCOMM="${ANXIN_GALERA_GCOMM:-14567}"
NODES=3
BUFFER_POOL="${ANXIN_GALERA_BUFFER_POOL:-128M}"
WAIT="${ANXIN_GALERA_WAIT:-120}"
MARIADBD="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

die() { echo "cluster.sh: $*" >&2; exit 1; }
node_dir() { echo "$ROOT/node$1"; }
mysql_port() { echo $((PORT + $1 - 1)); }
gcomm_port() { echo $((GCOMM + 10 * ($1 - 1))); }
pid_of() { local f; f="$(node_dir "$1")/mysqld.pid"; [ -s "$f" ] && cat "$f" || true; }
alive() { local p; p="$(pid_of "$1")"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# A node that wrote its pid and is no longer running (read twice: mariadbd rewrites the file as it starts).
gone() {
  local p; p="$(pid_of "$1")"
  [ -n "$p" ] && ! kill -0 "$p" 2>/dev/null || return 1
  sleep 1; p="$(pid_of "$1")"
  [ -n "$p" ] && ! kill -0 "$p" 2>/dev/null
}
sql() { mariadb --no-defaults -uroot -S "$(node_dir "$1")/mysqld.sock" -N -B -e "$2" 2>/dev/null; }
status_of() { sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | cut -f2; }

write_config() {
  local n=$1 dir peers="" i g
  dir="$(node_dir "$n")"
  for i in $(seq 1 $NODES); do peers+="${peers:+,}127.0.0.1:$(gcomm_port "$i")"; done
  g="$(gcomm_port "$n")"
  mkdir -p "$dir"; own "$dir"
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$(mysql_port "$n")|g" -e "s|@N@|$n|g" -e "s|@PEERS@|$peers|g" \
      -e "s|@GCOMM@|$g|g" -e "s|@IST@|$((g + 1))|g" -e "s|@SST@|$((g + 2))|g" -e "s|@BUFFER_POOL@|$BUFFER_POOL|g" \
      "$HERE/node.cnf.in" > "$dir/my.cnf"
}

# mariadbd runs as the user who starts it, or, started by root, as ANXIN_GALERA_USER (default mysql). The rsync
# daemon of a state transfer runs as that user too (as root it would drop to nobody) and writes the joiner's data
# directory, so every node directory belongs to that user and DIR must be reachable by it.
RUN_USER="$(id -un)"
if [ "$(id -u)" = 0 ]; then RUN_USER="${ANXIN_GALERA_USER:-mysql}"; fi
run_as() { echo "--user=$RUN_USER"; }
own() { if [ "$(id -u)" = 0 ]; then chown -R "$RUN_USER:" "$1"; fi; }

install_node() {
  local dir; dir="$(node_dir "$1")"
  [ -d "$dir/data/mysql" ] && return 0
  mariadb-install-db --defaults-file="$dir/my.cnf" $(run_as) --auth-root-authentication-method=normal \
    --skip-test-db --wsrep-on=OFF >"$dir/install.log" 2>&1 || die "mariadb-install-db failed for node $1: see $dir/install.log"
}

launch() {  # launch N [extra mariadbd args]
  local n=$1 dir; shift; dir="$(node_dir "$n")"
  alive "$n" && return 0
  rm -f "$dir/mysqld.pid"  # left by a node that was killed
  # setsid: the node outlives the shell that started it and is not in its process group
  setsid "$MARIADBD" --defaults-file="$dir/my.cnf" $(run_as) "$@" >>"$dir/stdout.log" 2>&1 < /dev/null &
}

wait_synced() {  # wait_synced N SIZE
  local n=$1 size=$2 deadline=$((SECONDS + WAIT))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(status_of "$n" wsrep_local_state_comment)" = Synced ] && [ "$(status_of "$n" wsrep_cluster_size)" -ge "$size" ] 2>/dev/null; then
      return 0
    fi
    if gone "$n"; then
      die "node $n exited; see $(node_dir "$n")/error.log"
    fi
    sleep 0.5
  done
  die "node $n not Synced in a cluster of $size within ${WAIT}s; see $(node_dir "$n")/error.log"
}

cluster_size() {  # the size as any live node sees it
  local i s
  for i in $(seq 1 $NODES); do
    alive "$i" && s="$(status_of "$i" wsrep_cluster_size)" && [ -n "$s" ] && { echo "$s"; return; }
  done
  echo 0
}

start() {
  local i
  mkdir -p "$ROOT"
  for i in $(seq 1 $NODES); do write_config "$i"; done
  install_node 1
  if [ "$(cluster_size)" = 0 ]; then
    # No node answers: bootstrap a new cluster from node 1 (its grastate must allow it: a fresh or cleanly
    # stopped node does; after a crash of every node, pick the most advanced one, see README.md).
    sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$(node_dir 1)/data/grastate.dat" 2>/dev/null || true
    launch 1 --wsrep-new-cluster
    wait_synced 1 1
    sql 1 "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" \
      || die "could not grant root@127.0.0.1 on node 1"
  fi
  for i in $(seq 2 $NODES); do start_node "$i" "$i"; done
  wait_synced 1 $NODES
  echo "cluster of $NODES nodes Synced: MySQL on 127.0.0.1:$(mysql_port 1)…$(mysql_port $NODES)"
}

start_node() {  # start_node N [SIZE to wait for]
  local n=$1 dir; dir="$(node_dir "$n")"
  write_config "$n"
  # A joiner gets its data by state transfer (SST: rsync of a whole data directory, or IST: the missing writes
  # from a donor's gcache); it needs only an empty data directory the SST daemon can write.
  mkdir -p "$dir/data"; own "$dir"
  launch "$n"
  wait_synced "$n" "${2:-$(cluster_size)}"
}

stop_node() {
  local n=$1 p i
  p="$(pid_of "$n")"
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p"
  for i in $(seq 1 120); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$p" 2>/dev/null || true
}

stop() {
  local i
  # The last node to stop is node 1, the one a later start bootstraps from (safe_to_bootstrap: 1).
  for i in $(seq $NODES -1 1); do stop_node "$i"; done
}

status() {
  local i
  for i in $(seq 1 $NODES); do
    if alive "$i"; then
      echo "node$i pid $(pid_of "$i") port $(mysql_port "$i") size $(status_of "$i" wsrep_cluster_size) $(status_of "$i" wsrep_local_state_comment)"
    else
      echo "node$i down"
    fi
  done
}

[ $# -ge 2 ] || die "usage: cluster.sh start|stop|status|start-node N|stop-node N DIR"
[ -x /usr/lib/galera/libgalera_smm.so ] || [ -e /usr/lib/galera/libgalera_smm.so ] || die "galera-4 is not installed (apt-get install -y galera-4 rsync)"
command -v rsync >/dev/null || die "rsync is not installed (apt-get install -y rsync)"
cmd=$1; ROOT="$(mkdir -p "$2" && cd "$2" && pwd)"
if [ "$(id -u)" = 0 ] && ! runuser -u "$RUN_USER" -- test -x "$ROOT"; then
  die "$ROOT is not reachable by user $RUN_USER, who runs the nodes (a parent directory is private?)"
fi
case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  start-node) [ $# -eq 3 ] || die "start-node DIR N"; start_node "$3" ;;
  stop-node) [ $# -eq 3 ] || die "stop-node DIR N"; stop_node "$3" ;;
  *) die "unknown command $cmd" ;;
esac
