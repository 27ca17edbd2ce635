#!/usr/bin/env bash
# Local single-node Elasticsearch for OPA Crypto's tests (no Docker needed).
#
# Usage: scripts/elasticsearch.sh [start|stop|status]      (default: start)
#
#   start   If ELASTICSEARCH_URL already answers GET /_cluster/health, do nothing.
#           Otherwise fetch Elasticsearch (Maven artifact
#           org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip)
#           once into a cache, start it single-node on 127.0.0.1:<port of the URL>
#           and wait until the cluster is at least yellow.
#   stop    Stop the instance this script started on that port (pid file).
#   status  Print the cluster health JSON, or "not running" (exit 3).
#
# Environment (all optional):
#   ELASTICSEARCH_URL            default http://127.0.0.1:9200 (http only; host must be loopback to start)
#   ELASTICSEARCH_VERSION        default 8.19.21 (newest 8.19.x integ-test-zip on Maven Central;
#                                matches the @elastic/elasticsearch 8.19 client)
#   ELASTICSEARCH_CACHE_DIR      default ${XDG_CACHE_HOME:-$HOME/.cache}/opa-crypto/elasticsearch,
#                                or /var/cache/opa-crypto/elasticsearch when run as root
#                                (the unprivileged ES user cannot traverse /root)
#   ELASTICSEARCH_WORK_DIR       data/logs/config/pid of the instance; default $CACHE_DIR/instances/<port>
#   ELASTICSEARCH_USER           user ES runs as when this script runs as root; default opa-es
#   ELASTICSEARCH_START_TIMEOUT  seconds to wait for yellow health; default 120
#   ELASTICSEARCH_SETTINGS       extra settings, space separated, e.g. "action.destructive_requires_name=false"
#   ELASTICSEARCH_FRESH=1        wipe the instance's data before starting (data is kept across restarts otherwise)
#   ES_JAVA_HOME                 JDK to use; default: first JDK >= 17 (8.x) / >= 21 (9.x),
#                                trying the `java` on PATH first, then /usr/lib/jvm/*
#   ES_JAVA_OPTS                 JVM options; default "-Xms512m -Xmx512m"
set -euo pipefail

readonly DEFAULT_VERSION=8.19.21
readonly DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

cmd="${1:-start}"
es_version="${ELASTICSEARCH_VERSION:-$DEFAULT_VERSION}"
es_url="${ELASTICSEARCH_URL:-http://127.0.0.1:9200}"
es_url="${es_url%/}"
start_timeout="${ELASTICSEARCH_START_TIMEOUT:-120}"
es_user="${ELASTICSEARCH_USER:-opa-es}"

die() {
  echo "elasticsearch.sh: $*" >&2
  exit 1
}

# --- parse the URL ---------------------------------------------------------------------
case "$es_url" in
  http://*) hostport="${es_url#http://}" ;;
  https://*) hostport="${es_url#https://}" ;;
  *) die "ELASTICSEARCH_URL must start with http:// (got '$es_url')" ;;
esac
hostport="${hostport%%/*}"   # drop any path
hostport="${hostport##*@}"   # drop any user:password@
if [[ "$hostport" =~ ^\[([0-9a-fA-F:]+)\](:([0-9]+))?$ ]]; then
  es_host="${BASH_REMATCH[1]}"
  es_port="${BASH_REMATCH[3]:-9200}"
elif [[ "$hostport" =~ ^([^:]+)(:([0-9]+))?$ ]]; then
  es_host="${BASH_REMATCH[1]}"
  es_port="${BASH_REMATCH[3]:-9200}"
else
  die "cannot parse host and port from ELASTICSEARCH_URL '$es_url'"
fi

bind_host="$es_host"
[ "$bind_host" = localhost ] && bind_host=127.0.0.1

is_loopback_host() {
  case "$es_host" in
    localhost | 127.* | ::1) return 0 ;;
    *) return 1 ;;
  esac
}

if [ "$(id -u)" = 0 ]; then
  cache_dir="${ELASTICSEARCH_CACHE_DIR:-/var/cache/opa-crypto/elasticsearch}"
else
  cache_dir="${ELASTICSEARCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/opa-crypto/elasticsearch}"
fi
work_dir="${ELASTICSEARCH_WORK_DIR:-$cache_dir/instances/$es_port}"
pid_file="$work_dir/run/elasticsearch.pid"
es_home="$cache_dir/$es_version/elasticsearch-$es_version"

# --- small helpers ---------------------------------------------------------------------
health() { # prints the health JSON; fails if nothing answers like Elasticsearch
  curl -fsS --max-time "${2:-5}" "$es_url/_cluster/health${1:-}" 2>/dev/null
}

port_in_use() {
  (exec 3<>"/dev/tcp/$bind_host/$es_port") 2>/dev/null
}

# pid of the instance this script started on this port, if it is alive (stale files are ignored)
our_pid() {
  local pid
  [ -s "$pid_file" ] || return 1
  pid="$(tr -dc '0-9' <"$pid_file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # the pid must still be an Elasticsearch JVM using our config dir (not a recycled pid)
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org\.elasticsearch' || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "ES_PATH_CONF=$work_dir/config" ||
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$work_dir" || return 1
  echo "$pid"
}

lock() {
  mkdir -p "$cache_dir"
  exec 9>"$cache_dir/.lock-$es_port"
  flock -w 300 9 || die "timed out waiting for the lock $cache_dir/.lock-$es_port"
}

log_tail() {
  local f
  for f in "$work_dir/logs/startup.log" "$work_dir/logs/opa-crypto-test.log"; do
    if [ -s "$f" ]; then
      echo "----- tail of $f -----" >&2
      tail -n 60 "$f" >&2
    fi
  done
}

as_es_user() { # run a command as the unprivileged ES user
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$es_user" -- "$@"
  else
    "$@"
  fi
}

java_major() { # $1 = JAVA_HOME; prints the feature version (17, 21, 25...)
  local v=""
  if [ -r "$1/release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")"
  fi
  if [ -z "$v" ]; then
    v="$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  fi
  v="${v#1.}"
  echo "${v%%[!0-9]*}"
}

pick_java_home() {
  local min=17 cand jh m
  case "$es_version" in 9.* | [1-9][0-9].*) min=21 ;; esac
  if [ -n "${ES_JAVA_HOME:-}" ]; then
    [ -x "$ES_JAVA_HOME/bin/java" ] || die "ES_JAVA_HOME=$ES_JAVA_HOME has no bin/java"
    echo "$ES_JAVA_HOME"
    return
  fi
  for cand in "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
    if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
    jh="$(dirname "$(dirname "$(readlink -f "$cand")")")"
    m="$(java_major "$jh")"
    if [ -n "$m" ] && [ "$m" -ge "$min" ]; then
      echo "$jh"
      return
    fi
  done
  die "Elasticsearch $es_version needs a JDK >= $min (none found on PATH or in /usr/lib/jvm); set ES_JAVA_HOME"
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  if ! id -u "$es_user" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$es_user" >/dev/null 2>&1 ||
      id -u "$es_user" >/dev/null 2>&1 || die "could not create user $es_user"
  fi
}

ensure_distribution() {
  [ -x "$es_home/bin/elasticsearch" ] && [ -f "$cache_dir/$es_version/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch Elasticsearch $es_version; apt-get install maven)"
  local tmp
  tmp="$(mktemp -d "$cache_dir/.download.XXXXXX")"
  # batch mode, no colours, no stdin: safe in CI
  if ! mvn -B -q -Dstyle.color=never "$DEPENDENCY_PLUGIN:copy" \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$es_version:zip" \
    -DoutputDirectory="$tmp" </dev/null >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$es_version:zip with Maven"
  fi
  local zip="$tmp/elasticsearch-$es_version.zip"
  mkdir -p "$tmp/unpacked"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$zip" -d "$tmp/unpacked"
  else
    (cd "$tmp/unpacked" && jar xf "$zip") # jar drops the exec bits; restored below
  fi
  [ -d "$tmp/unpacked/elasticsearch-$es_version/bin" ] || {
    rm -rf "$tmp"
    die "unexpected layout in $zip"
  }
  chmod -R a+rX "$tmp/unpacked"
  chmod a+x "$tmp/unpacked/elasticsearch-$es_version/bin/"*
  rm -rf "${cache_dir:?}/$es_version"
  mkdir -p "$cache_dir/$es_version"
  mv "$tmp/unpacked/elasticsearch-$es_version" "$es_home"
  touch "$cache_dir/$es_version/.complete"
  rm -rf "$tmp"
}

prepare_work_dir() {
  mkdir -p "$work_dir"/{config,data,logs,tmp,run}
  # a data dir written by another version may not be readable: this is a test cluster, start afresh
  if [ "${ELASTICSEARCH_FRESH:-}" = 1 ] ||
    { [ -f "$work_dir/version" ] && [ "$(cat "$work_dir/version")" != "$es_version" ]; }; then
    rm -rf "${work_dir:?}/data" && mkdir -p "$work_dir/data"
  fi
  echo "$es_version" >"$work_dir/version"
  # fresh copy of the distribution's config, keeping the keystore ES creates on first start
  find "$work_dir/config" -mindepth 1 -maxdepth 1 ! -name elasticsearch.keystore -exec rm -rf {} +
  cp -R "$es_home/config/." "$work_dir/config/"
  rm -f "$pid_file" "$work_dir/logs/startup.log"
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$cache_dir" "$(dirname "$work_dir")" 2>/dev/null || true
    chown -R "$es_user:$es_user" "$work_dir"
    runuser -u "$es_user" -- test -x "$es_home/bin/elasticsearch" ||
      die "user $es_user cannot reach $es_home (a parent directory is private?); set ELASTICSEARCH_CACHE_DIR"
  fi
}

stop_pid() { # $1 = pid; TERM, wait, then KILL
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "could not stop Elasticsearch (pid $pid)"
}

wait_for_yellow() { # $1 = pid to watch (may be empty)
  local deadline=$((SECONDS + start_timeout)) pid="${1:-}"
  while ((SECONDS < deadline)); do
    if health "?wait_for_status=yellow&timeout=1s" 5 >/dev/null; then
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      die "Elasticsearch (pid $pid) exited during startup"
    fi
    sleep 1
  done
  log_tail
  return 1
}

# --- commands --------------------------------------------------------------------------
do_start() {
  if health >/dev/null; then
    echo "Elasticsearch is already running at $es_url"
    return 0
  fi
  is_loopback_host || die "$es_url does not answer and is not on this machine: cannot start it here"
  command -v curl >/dev/null 2>&1 || die "curl not found"
  lock
  if health >/dev/null; then # started by a concurrent run while we waited for the lock
    echo "Elasticsearch is already running at $es_url"
    return 0
  fi

  local pid
  if pid="$(our_pid)"; then
    # ours, but not answering yet (still starting, or hung)
    if wait_for_yellow "$pid"; then
      echo "Elasticsearch $es_version is running at $es_url (pid $pid, data in $work_dir/data)"
      return 0
    fi
    die "Elasticsearch (pid $pid) did not become healthy within ${start_timeout}s; try: $0 stop"
  fi
  rm -f "$pid_file" # stale, if any

  if port_in_use; then
    local who=""
    command -v ss >/dev/null 2>&1 && who="$(ss -Hltnp "sport = :$es_port" 2>/dev/null | head -n 3)"
    die "port $es_port is already in use by something that does not answer GET /_cluster/health like Elasticsearch${who:+:
$who}
Stop it, or point ELASTICSEARCH_URL to another port."
  fi

  local java_home
  java_home="$(pick_java_home)"
  ensure_user
  ensure_distribution
  prepare_work_dir

  local -a settings=(
    -Ecluster.name=opa-crypto-test
    -Enode.name="opa-crypto-es-$es_port"
    -Ediscovery.type=single-node
    -Enetwork.host="$bind_host"
    -Ehttp.port="$es_port"
    -Expack.security.enabled=false
    -Epath.data="$work_dir/data"
    -Epath.logs="$work_dir/logs"
    # tests must not be blocked by a nearly full disk (no watermarks, no read-only flood stage)
    -Ecluster.routing.allocation.disk.threshold_enabled=false
  )
  local s
  for s in ${ELASTICSEARCH_SETTINGS:-}; do settings+=("-E$s"); done

  # The JVM writes gc.log/hs_err files to its working directory: use our logs dir.
  # fd 9 (the lock) must not leak into the daemon, or the lock would be held until it exits.
  if ! (
    cd "$work_dir/logs" &&
      as_es_user env \
        ES_JAVA_HOME="$java_home" \
        ES_PATH_CONF="$work_dir/config" \
        ES_TMPDIR="$work_dir/tmp" \
        ES_JAVA_OPTS="${ES_JAVA_OPTS:--Xms512m -Xmx512m}" \
        JAVA_HOME= \
        "$es_home/bin/elasticsearch" -d -p "$pid_file" "${settings[@]}" \
        </dev/null >"$work_dir/logs/startup.log" 2>&1 9>&-
  ); then
    log_tail
    die "Elasticsearch $es_version failed to start (logs in $work_dir/logs)"
  fi

  pid="$(our_pid || true)"
  if ! wait_for_yellow "$pid"; then
    [ -n "$pid" ] && stop_pid "$pid"
    rm -f "$pid_file"
    die "Elasticsearch did not become healthy within ${start_timeout}s at $es_url (logs in $work_dir/logs)"
  fi
  echo "Elasticsearch $es_version is running at $es_url (pid ${pid:-?}, data in $work_dir/data)"
}

do_stop() {
  lock
  local pid
  if pid="$(our_pid)"; then
    stop_pid "$pid"
    rm -f "$pid_file"
    echo "Elasticsearch on port $es_port stopped"
  else
    rm -f "$pid_file"
    if health >/dev/null; then
      echo "Elasticsearch at $es_url was not started by this script: left running"
    else
      echo "Elasticsearch on port $es_port: not running"
    fi
  fi
}

do_status() {
  local h
  if h="$(health)"; then
    echo "$h"
  else
    echo "not running"
    return 3
  fi
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  -h | --help | help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
  *) die "unknown command '$cmd' (use start, stop or status)" ;;
esac
