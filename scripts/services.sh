#!/usr/bin/env bash
# Local Kafka (KRaft, single node) and Elasticsearch (single node) on 127.0.0.1, for tests, the
# demo and benchmarks. Both are resolved from Maven with `mvn`, cached under .cache/services, and
# run from pid files so that `down` stops exactly what `up` started.
#
#   scripts/services.sh up|down [kafka|es]   (both when none is named)
#   scripts/services.sh status|env|logs
#
# Settings (environment): SMONNET_KAFKA_PORT (9092), SMONNET_KAFKA_CONTROLLER_PORT (9093),
# SMONNET_KAFKA_SSL_PORT (9094: TLS, client certificates required), SMONNET_KAFKA_SASL_PORT (9095:
# SASL_SSL, SCRAM-SHA-512 user `smonnet`), SMONNET_KAFKA_OAUTH_PORT (9096: SASL_PLAINTEXT,
# OAUTHBEARER with Kafka's unsecured token validator, for tests that issue their own tokens),
# SMONNET_ES_PORT (9200), SMONNET_ES_TRANSPORT_PORT (9300), SMONNET_CACHE (<repo>/.cache),
# SMONNET_SERVICE_USER (smonnet; the unprivileged user Elasticsearch runs as when we are root),
# SMONNET_KAFKA_HEAP (512m), SMONNET_ES_HEAP (1g), JAVA_HOME (found from `java` when unset).
set -euo pipefail

# SMONNET_KAFKA_VERSION picks another broker (scripts/test-kafka4.sh runs the Kafka-facing tests on 4.x);
# each version keeps its own data, as a 4.x log directory cannot go back to 3.9.
KAFKA_VERSION=${SMONNET_KAFKA_VERSION:-3.9.2}
ES_VERSION=8.19.21

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# The Node.js smonnet runs on (the `node` package in package.json), as npm scripts use it.
export PATH="$root/node_modules/.bin:$PATH"
cache=${SMONNET_CACHE:-$root/.cache}
svc=$cache/services
run=$svc/run
kafka_home=$svc/kafka-$KAFKA_VERSION
# The local broker's certificates and SCRAM password (scripts/services/tls.sh), made once.
tls=$run/tls
service_user=${SMONNET_SERVICE_USER:-smonnet}

# Whether users other than the owner may pass through every folder down to $1.
traversable() {
  local d=$1 perms
  while [[ $d != / ]]; do
    perms=$(stat -c %A "$d" 2>/dev/null) || return 1
    [[ ${perms:9:1} == [xt] ]] || return 1
    d=$(dirname "$d")
  done
}

# Elasticsearch runs as an unprivileged user when we are root (it refuses root). Where that user
# cannot pass through this checkout's folders (a clone in a 0700 temporary folder), its
# installation and data live in a folder of their own instead, one per checkout.
es_base=$svc
if [[ $(id -u) -eq 0 ]] && ! traversable "$([[ -d $cache ]] && echo "$cache" || echo "$root")"; then
  es_base=/var/tmp/smonnet-es-$(printf '%s' "$svc" | md5sum | cut -c1-12)
fi
es_home=$es_base/elasticsearch-$ES_VERSION
es_dir=$run/es
[[ $es_base == "$svc" ]] || es_dir=$es_base/run

die() { echo "services: $*" >&2; exit 1; }
say() { echo "services: $*" >&2; }

# `up` takes ports from the environment; every other command uses the ports the running set was
# started with (recorded by `up`), so `env`, `status` and `down` agree with it whatever the caller's
# environment says now.
load_ports() {
  local prefer_env=${1:-no}
  KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 KAFKA_SSL_PORT=9094 KAFKA_SASL_PORT=9095 KAFKA_OAUTH_PORT=9096
  ES_PORT=9200 ES_TRANSPORT_PORT=9300
  if [[ $prefer_env == no && -f $run/ports.env ]]; then
    # shellcheck disable=SC1091
    source "$run/ports.env"
    return
  fi
  KAFKA_PORT=${SMONNET_KAFKA_PORT:-$KAFKA_PORT}
  KAFKA_CONTROLLER_PORT=${SMONNET_KAFKA_CONTROLLER_PORT:-$KAFKA_CONTROLLER_PORT}
  KAFKA_SSL_PORT=${SMONNET_KAFKA_SSL_PORT:-$KAFKA_SSL_PORT}
  KAFKA_SASL_PORT=${SMONNET_KAFKA_SASL_PORT:-$KAFKA_SASL_PORT}
  KAFKA_OAUTH_PORT=${SMONNET_KAFKA_OAUTH_PORT:-$KAFKA_OAUTH_PORT}
  ES_PORT=${SMONNET_ES_PORT:-$ES_PORT}
  ES_TRANSPORT_PORT=${SMONNET_ES_TRANSPORT_PORT:-$ES_TRANSPORT_PORT}
}

find_java_home() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then echo "$JAVA_HOME"; return; fi
  local java
  java=$(command -v java) || die "no java on PATH and JAVA_HOME unset: install a JDK >= 17"
  dirname "$(dirname "$(readlink -f "$java")")"
}

# --- downloads (once; a marker file says the copy is complete) ----------------------------------

fetch_kafka() {
  [[ -f $kafka_home/.complete ]] && return
  command -v mvn >/dev/null || die "mvn not found: install Maven to fetch Kafka"
  say "fetching Kafka $KAFKA_VERSION and its runtime dependencies with mvn"
  rm -rf "$kafka_home"
  # mvn writes colour resets to stdout even with -q; stdout is for `env` lines only.
  mvn -B -q -Dstyle.color=never -f "$here/services/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$kafka_home/libs" >&2 \
    || die "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  touch "$kafka_home/.complete"
}

fetch_es() {
  [[ -f $es_home/.complete ]] && return
  command -v mvn >/dev/null || die "mvn not found: install Maven to fetch Elasticsearch"
  say "fetching Elasticsearch $ES_VERSION (integ-test-zip) with mvn"
  local tmp=$svc/download
  rm -rf "$tmp" "$es_home"
  mkdir -p "$tmp"
  mvn -B -q -Dstyle.color=never dependency:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$tmp" >&2 || die "mvn could not resolve Elasticsearch $ES_VERSION"
  mkdir -p "$es_base"
  (cd "$es_base" && unzip -q "$tmp/elasticsearch-$ES_VERSION.zip")
  rm -rf "$tmp"
  touch "$es_home/.complete"
}

# --- process helpers -----------------------------------------------------------------------------

# A pid file names our process only while that pid still runs a command line from our cache
# folder; this guards against a recycled pid after a reboot or a crash.
pid_of() {
  local file=$run/$1.pid pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -e "$svc" -e "$es_base" || return 1
  echo "$pid"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free() {
  local port=$1 what=$2
  if port_taken "$port"; then
    die "port $port (for $what) on 127.0.0.1 is already taken by another process; stop it or choose another port with the matching SMONNET_*_PORT variable"
  fi
}

show_log() {
  local file=$1
  [[ -f $file ]] || return 0
  echo "---- last lines of $file ----" >&2
  tail -n 40 "$file" >&2
  echo "----" >&2
}

stop_pid() {
  local name=$1 pid
  pid=$(pid_of "$name") || { rm -f "$run/$name.pid"; return 0; }
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) ignored SIGTERM for 30s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$run/$name.pid"
}

# --- Kafka ---------------------------------------------------------------------------------------

start_kafka() {
  if pid=$(pid_of kafka); then say "kafka already running (pid $pid)"; return; fi
  require_free "$KAFKA_PORT" "Kafka"
  require_free "$KAFKA_CONTROLLER_PORT" "the Kafka controller"
  require_free "$KAFKA_SSL_PORT" "Kafka's TLS listener"
  require_free "$KAFKA_SASL_PORT" "Kafka's SASL_SSL listener"
  require_free "$KAFKA_OAUTH_PORT" "Kafka's OAUTHBEARER listener"
  local dir=$run/kafka-$KAFKA_VERSION java_home
  java_home=$(find_java_home)
  mkdir -p "$dir/data" "$dir/logs"
  bash "$here/services/tls.sh" "$tls"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT,OAUTH://127.0.0.1:$KAFKA_OAUTH_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT,OAUTH://127.0.0.1:$KAFKA_OAUTH_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,OAUTH:SASL_PLAINTEXT
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$(cat "$tls/broker.password")
ssl.key.password=$(cat "$tls/broker.password")
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
log.dirs=$dir/data
num.partitions=4
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
EOF
  local cp="$kafka_home/libs/*"
  local jvm=("$java_home/bin/java" "-Xms${SMONNET_KAFKA_HEAP:-512m}" "-Xmx${SMONNET_KAFKA_HEAP:-512m}"
    -XX:+UseG1GC "-Dkafka.logs.dir=$dir/logs" "-Dlog4j.configuration=file:$here/services/log4j.properties"
    -cp "$cp")
  if [[ ! -f $dir/data/meta.properties ]]; then
    local id
    id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    # KRaft keeps SCRAM credentials in its metadata log: they are given when it is formatted.
    "${jvm[@]}" kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" \
      --add-scram "SCRAM-SHA-512=[name=smonnet,password=$(cat "$tls/scram.password")]" >"$dir/logs/format.log" 2>&1 \
      || { show_log "$dir/logs/format.log"; die "kafka storage format failed"; }
    cp "$tls/scram.password" "$dir/data/.scram-of"
  elif ! cmp -s "$tls/scram.password" "$dir/data/.scram-of" 2>/dev/null; then
    # Data formatted before these credentials (or with others): they are set once it runs.
    touch "$dir/data/.scram-pending"
  fi
  say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  nohup "${jvm[@]}" kafka.Kafka "$dir/server.properties" >"$dir/logs/stdout.log" 2>&1 &
  echo $! >"$run/kafka.pid"
  echo "$KAFKA_VERSION" >"$run/kafka.version"
}

wait_kafka() {
  local dir=$run/kafka-$KAFKA_VERSION
  if ! node "$here/services/kafka-ready.mjs" "127.0.0.1:$KAFKA_PORT" 120; then
    show_log "$dir/logs/stdout.log"
    show_log "$dir/logs/server.log"
    die "Kafka did not become ready"
  fi
  if [[ -f $dir/data/.scram-pending ]]; then
    "$(find_java_home)/bin/java" -cp "$kafka_home/libs/*" "-Dlog4j.configuration=file:$here/services/log4j.properties" \
      kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users \
      --entity-name smonnet --add-config "SCRAM-SHA-512=[password=$(cat "$tls/scram.password")]" \
      >"$dir/logs/scram.log" 2>&1 || { show_log "$dir/logs/scram.log"; die "cannot set the SCRAM user's password"; }
    cp "$tls/scram.password" "$dir/data/.scram-of"
    rm -f "$dir/data/.scram-pending"
  fi
  say "Kafka ready on 127.0.0.1:$KAFKA_PORT (TLS $KAFKA_SSL_PORT, SASL_SSL $KAFKA_SASL_PORT, OAUTHBEARER $KAFKA_OAUTH_PORT)"
}

# --- Elasticsearch -------------------------------------------------------------------------------

# Elasticsearch refuses to run as root. As root we run it as an unprivileged system user that owns
# the installation and its data; as anyone else we run it as ourselves.
es_runner() {
  if [[ $(id -u) -ne 0 ]]; then return; fi
  if ! id "$service_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$service_user" \
      || die "could not create the unprivileged user '$service_user' for Elasticsearch"
  fi
  echo "runuser -u $service_user --"
}

start_es() {
  if pid=$(pid_of es); then say "elasticsearch already running (pid $pid)"; return; fi
  require_free "$ES_PORT" "Elasticsearch HTTP"
  require_free "$ES_TRANSPORT_PORT" "Elasticsearch transport"
  local dir=$es_dir java_home runner
  java_home=$(find_java_home)
  runner=$(es_runner)
  mkdir -p "$dir/data" "$dir/logs"
  if [[ -n $runner ]]; then
    chown -R "$service_user:" "$es_home" "$dir"
    $runner test -x "$es_home/bin" \
      || die "user '$service_user' cannot reach $es_home: make its parent folders traversable (chmod o+x)"
  fi
  # The pid file must be writable by the user Elasticsearch runs as, so it lives in its own folder
  # and is copied to where `down` looks for it.
  rm -f "$dir/es.pid"
  say "starting Elasticsearch $ES_VERSION on 127.0.0.1:$ES_PORT"
  # shellcheck disable=SC2086
  $runner env ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms${SMONNET_ES_HEAP:-1g} -Xmx${SMONNET_ES_HEAP:-1g}" \
    "$es_home/bin/elasticsearch" -d -p "$dir/es.pid" \
    -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 \
    -Ehttp.port="$ES_PORT" -Etransport.port="$ES_TRANSPORT_PORT" \
    -Epath.data="$dir/data" -Epath.logs="$dir/logs" \
    -Expack.security.enabled=false -Ecluster.name=smonnet-local \
    -Ecluster.routing.allocation.disk.threshold_enabled=false \
    -Eaction.destructive_requires_name=false \
    >"$dir/logs/stdout.log" 2>&1 || { show_log "$dir/logs/stdout.log"; die "Elasticsearch failed to start"; }
  for _ in $(seq 1 20); do [[ -s $dir/es.pid ]] && break; sleep 0.5; done
  [[ -s $dir/es.pid ]] || { show_log "$dir/logs/stdout.log"; die "Elasticsearch wrote no pid file"; }
  cp "$dir/es.pid" "$run/es.pid"
}

wait_es() {
  local dir=$es_dir url="http://127.0.0.1:$ES_PORT"
  for _ in $(seq 1 180); do
    if curl -fsS -m 3 "$url/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1; then
      say "Elasticsearch ready on $url"
      return
    fi
    if ! pid_of es >/dev/null; then
      show_log "$dir/logs/stdout.log"
      show_log "$dir/logs/smonnet-local.log"
      die "Elasticsearch exited while starting"
    fi
    sleep 1
  done
  show_log "$dir/logs/smonnet-local.log"
  die "Elasticsearch did not report yellow or green within 180s"
}

# --- commands ------------------------------------------------------------------------------------

cmd_up() {
  command -v node >/dev/null || die "node not found"
  command -v curl >/dev/null || die "curl not found"
  [[ -d $root/node_modules/@platformatic/kafka ]] || die "node_modules missing: run 'npm ci' first"
  mkdir -p "$run"
  # A set that is already running keeps the ports it was started with.
  if pid_of kafka >/dev/null || pid_of es >/dev/null; then load_ports; else load_ports env; fi
  fetch_kafka
  fetch_es
  printf 'KAFKA_PORT=%s\nKAFKA_CONTROLLER_PORT=%s\nKAFKA_SSL_PORT=%s\nKAFKA_SASL_PORT=%s\nES_PORT=%s\nES_TRANSPORT_PORT=%s\n' \
    "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SSL_PORT" "$KAFKA_SASL_PORT" "$ES_PORT" "$ES_TRANSPORT_PORT" \
    >"$run/ports.env"
  echo "KAFKA_OAUTH_PORT=$KAFKA_OAUTH_PORT" >>"$run/ports.env"
  # Both JVMs start before either is awaited: on two cores their start-ups overlap well.
  [[ $only == es ]] || start_kafka
  [[ $only == kafka ]] || start_es
  [[ $only == es ]] || wait_kafka
  [[ $only == kafka ]] || wait_es
  cmd_env
}

cmd_down() {
  load_ports
  [[ $only == es ]] || stop_pid kafka
  [[ $only == kafka ]] || stop_pid es
}

cmd_status() {
  load_ports
  local rc=0 pid
  if pid=$(pid_of kafka); then echo "kafka         running  pid $pid  127.0.0.1:$KAFKA_PORT  ($(cat "$run/kafka.version" 2>/dev/null || echo "$KAFKA_VERSION"))"
  else echo "kafka         stopped"; rc=3; fi
  if pid=$(pid_of es); then echo "elasticsearch running  pid $pid  127.0.0.1:$ES_PORT  ($ES_VERSION)"
  else echo "elasticsearch stopped"; rc=3; fi
  return $rc
}

cmd_env() {
  load_ports
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  # The secured listeners of the same broker, and where their certificates and SCRAM password are.
  echo "KAFKA_SSL_BROKERS=127.0.0.1:$KAFKA_SSL_PORT"
  echo "KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT"
  echo "KAFKA_OAUTH_BROKERS=127.0.0.1:$KAFKA_OAUTH_PORT"
  echo "KAFKA_TLS_DIR=$tls"
  echo "ES_URL=http://127.0.0.1:$ES_PORT"
}

cmd_logs() {
  show_log "$run/kafka-$KAFKA_VERSION/logs/server.log"
  show_log "$es_dir/logs/smonnet-local.log"
}

only=${2:-}
case $only in
  ''|kafka|es) ;;
  *) echo "services: unknown service '$only' (kafka or es)" >&2; exit 2 ;;
esac

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  logs) cmd_logs ;;
  *) echo "usage: $0 up|down [kafka|es] | status|env|logs" >&2; exit 2 ;;
esac
