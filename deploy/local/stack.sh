#!/usr/bin/env bash
# Local service stack for tests and CI: Apache Kafka (KRaft, from the Maven Central jars), Postgres,
# Redis, a 3-master Redis Cluster and the Google Pub/Sub emulator.
#
#   bash deploy/local/stack.sh up       start what is missing, wait until each answers, write .stack/env
#   bash deploy/local/stack.sh status   print each service and whether it answers (exit 1 if one is down)
#   bash deploy/local/stack.sh down     stop what this script started (never the machine's own services)
#
# Postgres and Redis: DATABASE_URL / REDIS_URL (or the defaults below) are used when they answer;
# otherwise private instances are started from the binaries on PATH. The Redis Cluster (for the cluster
# tests; CDP_TEST_REDIS_CLUSTER_NODES in .stack/env) is always a private one: three redis-server
# --cluster-enabled masters on 127.0.0.1:7001-7003 (CDP360_REDIS_CLUSTER_PORT sets the first port; the
# cluster bus uses port+10000), no persistence. Run state lives in .stack/,
# downloaded jars in .cache/ (both git-ignored). `up` is idempotent and safe to run concurrently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/deploy/local"
STACK="$ROOT/.stack"
CACHE="$ROOT/.cache"

KAFKA_HOST=127.0.0.1
# The ports can be moved (e.g. for a second, private broker beside a running one).
KAFKA_PORT="${CDP360_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${CDP360_KAFKA_CONTROLLER_PORT:-9093}"
# The same broker also listens with SASL_SSL (SCRAM-SHA-512) for the TLS/SASL tests.
KAFKA_SASL_PORT="${CDP360_KAFKA_SASL_PORT:-9094}"
KAFKA_SASL_USER=cdp360-test
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml" | head -n1)"
KAFKA_LIBS="$CACHE/kafka/$KAFKA_VERSION/libs"
KAFKA_DIR="$STACK/kafka"
KAFKA_TLS_DIR="$KAFKA_DIR/tls"

DEFAULT_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL="redis://127.0.0.1:6379"
PG_PRIVATE_PORT="${CDP360_PRIVATE_PG_PORT:-55432}"
REDIS_PRIVATE_PORT="${CDP360_PRIVATE_REDIS_PORT:-56379}"
PG_DIR="$STACK/postgres"
REDIS_DIR="$STACK/redis"

RC_BASE_PORT="${CDP360_REDIS_CLUSTER_PORT:-7001}"
RC_PORTS=("$RC_BASE_PORT" "$((RC_BASE_PORT + 1))" "$((RC_BASE_PORT + 2))")
RC_DIR="$STACK/redis-cluster"

PUBSUB_HOST=127.0.0.1
PUBSUB_PORT=8085
PUBSUB_PROJECT="${PUBSUB_PROJECT_ID:-cdp360-local}"
PUBSUB_DIR="$STACK/pubsub"

# ---------------------------------------------------------------------------------------------------
say() { printf '%s\n' "$*"; }
step() { printf '[stack] %s\n' "$*"; }
die() {
  printf '\n[stack] ERROR: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '[stack]        %s\n' "$line" >&2; done
  exit 1
}
banner() {
  local line='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
  printf '\n%s\n' "$line" >&2
  for l in "$@"; do printf '!!! %s\n' "$l" >&2; done
  printf '%s\n\n' "$line" >&2
}
have() { command -v "$1" >/dev/null 2>&1; }

# true when something accepts TCP connections on host:port
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop a process group started by this script (setsid makes the pid the group id), by pid file.
stop_pidfile() {
  local pidfile="$1" name="$2" wait_s="${3:-30}" pid
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  step "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait_s * 5))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    step "$name did not stop in ${wait_s}s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# Run a command in the background, detached from this shell's terminal and output, in its own process
# group; the pid goes into a pid file. fd 9 (the stack lock) is closed so the service does not hold it.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  setsid nohup "$@" >"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
}

url_port() { sed -E 's#^[a-z]+://([^@/]*@)?[^:/]+:([0-9]+).*#\2#' <<<"$1"; }

require_java() {
  have java || die "java is not installed; Kafka ${KAFKA_VERSION} (and the Pub/Sub emulator) run on the machine's JDK." \
    "Install it: apt-get install -y openjdk-17-jre-headless"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" =~ ^[0-9]+$ ]] && ((${major%%.*} >= 17)) ||
    die "java ${major:-?} found, Kafka ${KAFKA_VERSION} needs Java 17 or newer." \
      "Install it: apt-get install -y openjdk-17-jre-headless (and make it the default java)"
}

require_node_kafkajs() {
  have node || die "node is not installed (needed for the Kafka readiness check)." "Install Node.js 20."
  node -e "require(require.resolve('kafkajs',{paths:['$ROOT','$ROOT/packages/kafka']}))" 2>/dev/null ||
    die "kafkajs is not installed (needed for the Kafka readiness check)." "Run: npm ci   (at $ROOT)"
}

http_ok() {
  if have curl; then
    curl -fsS -m 5 -o /dev/null "$1" 2>/dev/null
  else
    node -e "fetch(process.argv[1],{signal:AbortSignal.timeout(5000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"
  fi
}

# ---------------------------------------------------------------------------------------------------
# Kafka

kafka_fetch() {
  if [[ -f "$KAFKA_LIBS/.complete" ]]; then
    return 0
  fi
  have mvn || die "mvn (Apache Maven) is not installed; it fetches the Kafka ${KAFKA_VERSION} jars from Maven Central." \
    "Install it: apt-get install -y maven"
  step "fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${KAFKA_LIBS#"$ROOT"/}"
  local tmp="$KAFKA_LIBS.tmp.$$" mvnlog="$CACHE/kafka/mvn-$KAFKA_VERSION.log"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -B -q -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
    tail -n 30 "$mvnlog" >&2 || true
    rm -rf "$tmp"
    die "Maven could not fetch org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (full log: ${mvnlog#"$ROOT"/})." \
      "Maven Central must be reachable (or ~/.m2 must hold the jars); check proxy settings in ~/.m2/settings.xml."
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || die "Maven finished but kafka_2.13-${KAFKA_VERSION}.jar is not in $tmp"
  touch "$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
}

# JVM flags as in Kafka's own start scripts, with a small heap: the broker only holds test data.
kafka_java_args() {
  KAFKA_JAVA_ARGS=(-Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties"
    "-Dkafka.logs.dir=$KAFKA_DIR" -cp "$KAFKA_LIBS/*")
}

kafka_ready() { node "$HERE/kafka-ready.js" "$KAFKA_HOST:$KAFKA_PORT" "$@"; }

kafka_up() {
  local pidfile="$KAFKA_DIR/kafka.pid"
  if pid_alive "$pidfile"; then
    step "kafka: already running (pid $(cat "$pidfile")); checking it"
  elif port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    if kafka_ready 20 --metadata-only 2>/dev/null; then
      step "kafka: something that speaks Kafka already listens on $KAFKA_HOST:$KAFKA_PORT; using it (not started by this script)"
      KAFKA_EXTERNAL=1
    else
      die "port $KAFKA_PORT is taken by a process that does not answer as Kafka." \
        "Find it with: ss -ltnp 'sport = :$KAFKA_PORT'  and stop it, then run this again."
    fi
  else
    local p
    for p in "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_PORT"; do
      port_open "$KAFKA_HOST" "$p" &&
        die "port $p (Kafka controller or SASL_SSL listener) is taken by another process." \
          "Find it with: ss -ltnp 'sport = :$p'  (or move the broker: CDP360_KAFKA_PORT, CDP360_KAFKA_CONTROLLER_PORT, CDP360_KAFKA_SASL_PORT)"
    done
    require_java
    kafka_fetch
    mkdir -p "$KAFKA_DIR"
    kafka_java_args
    local data="$KAFKA_DIR/data" cfg="$KAFKA_DIR/server.properties"
    kafka_tls_material
    kafka_write_config "$cfg" "$data"
    if [[ ! -f "$data/meta.properties" ]]; then
      # KRaft storage must be formatted once with a cluster id (a base64url UUID).
      local id
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
      while [[ "$id" == -* ]]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
      rm -rf "$data"
      step "kafka: formatting KRaft storage (cluster $id)"
      java "${KAFKA_JAVA_ARGS[@]}" kafka.tools.StorageTool format --cluster-id="$id" --config "$cfg" --ignore-formatted \
        >"$KAFKA_DIR/format.log" 2>&1 || {
        cat "$KAFKA_DIR/format.log" >&2
        die "kafka storage format failed (log above, also in ${KAFKA_DIR#"$ROOT"/}/format.log)"
      }
    fi
    step "kafka: starting ${KAFKA_VERSION} on $KAFKA_HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
    spawn "$pidfile" "$KAFKA_DIR/stdout.log" java "${KAFKA_JAVA_ARGS[@]}" kafka.Kafka "$cfg"
    local pid i
    pid="$(cat "$pidfile")"
    for i in $(seq 1 600); do
      kill -0 "$pid" 2>/dev/null || {
        tail -n 40 "$KAFKA_DIR/stdout.log" "$KAFKA_DIR/server.log" >&2 2>/dev/null || true
        die "kafka exited during start-up (logs above, in ${KAFKA_DIR#"$ROOT"/}/)"
      }
      port_open "$KAFKA_HOST" "$KAFKA_PORT" && break
      ((i == 600)) && die "kafka did not open $KAFKA_HOST:$KAFKA_PORT within 120s (see ${KAFKA_DIR#"$ROOT"/}/server.log)"
      sleep 0.2
    done
  fi
  step "kafka: waiting for metadata and a topic round trip"
  kafka_ready 90 || {
    tail -n 40 "$KAFKA_DIR/server.log" >&2 2>/dev/null || true
    die "kafka on $KAFKA_HOST:$KAFKA_PORT did not pass the round-trip check (see ${KAFKA_DIR#"$ROOT"/}/server.log)"
  }
  kafka_sasl_up
}

# A CA and a broker certificate for 127.0.0.1/localhost, made once into .stack/kafka/tls (git-ignored),
# and the SCRAM user's password. Kept across restarts so a client's CA file stays valid.
kafka_tls_material() {
  [[ -f "$KAFKA_TLS_DIR/broker.p12" && -f "$KAFKA_TLS_DIR/ca.pem" && -f "$KAFKA_TLS_DIR/secret" ]] && return 0
  have openssl || die "openssl is not installed (it makes the test CA for the SASL_SSL listener)." "Install it: apt-get install -y openssl"
  step "kafka: making a test CA and broker certificate in ${KAFKA_TLS_DIR#"$ROOT"/}"
  local tmp="$KAFKA_TLS_DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (
    cd "$tmp"
    head -c 24 /dev/urandom | base64 | tr -d '+/=' >secret
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=cdp360 local test CA" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 825 -extfile broker.ext
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker -out broker.p12 \
      -passout "pass:$(cat secret)"
    rm -f ca.key broker.csr broker.ext ca.srl
  ) >"$KAFKA_DIR/tls.log" 2>&1 || {
    cat "$KAFKA_DIR/tls.log" >&2
    rm -rf "$tmp"
    die "making the test certificates failed (log above)"
  }
  chmod 600 "$tmp"/*
  chmod 644 "$tmp/ca.pem"
  rm -rf "$KAFKA_TLS_DIR"
  mv "$tmp" "$KAFKA_TLS_DIR"
}

# The broker's effective config: the checked-in settings, then the listeners on this run's ports.
kafka_write_config() {
  local cfg="$1" data="$2" h="$KAFKA_HOST"
  {
    cat "$HERE/kafka/server.properties"
    printf '\n# Written by stack.sh: data folder, listeners on this run'"'"'s ports, TLS material.\n'
    printf 'log.dirs=%s\n' "$data"
    printf 'controller.quorum.voters=1@%s:%s\n' "$h" "$KAFKA_CONTROLLER_PORT"
    printf 'listeners=PLAINTEXT://%s:%s,CONTROLLER://%s:%s,SASL_SSL://%s:%s\n' "$h" "$KAFKA_PORT" "$h" "$KAFKA_CONTROLLER_PORT" "$h" "$KAFKA_SASL_PORT"
    printf 'advertised.listeners=PLAINTEXT://%s:%s,SASL_SSL://%s:%s\n' "$h" "$KAFKA_PORT" "$h" "$KAFKA_SASL_PORT"
    printf 'listener.name.sasl_ssl.ssl.keystore.location=%s\n' "$KAFKA_TLS_DIR/broker.p12"
    printf 'listener.name.sasl_ssl.ssl.keystore.password=%s\n' "$(cat "$KAFKA_TLS_DIR/secret")"
  } >"$cfg"
  chmod 600 "$cfg"
}

KAFKA_SASL_MISSING_REASON=""

# The SCRAM user (upserted through the plaintext listener with the Java admin client) and a check that
# the SASL_SSL listener answers. A broker without that listener (started by an older stack.sh, or not by
# this script) is reported, and the SASL tests fail saying why.
kafka_sasl_up() {
  if ! port_open "$KAFKA_HOST" "$KAFKA_SASL_PORT"; then
    local fix
    if [[ -n "$KAFKA_EXTERNAL" ]]; then
      KAFKA_SASL_MISSING_REASON="the Kafka broker on $KAFKA_HOST:$KAFKA_PORT was not started by this stack.sh and has no SASL_SSL listener on $KAFKA_HOST:$KAFKA_SASL_PORT"
      fix="Stop that broker and run this again (it then starts its own), or start it from the stack.sh that started it after updating that checkout."
    else
      KAFKA_SASL_MISSING_REASON="our Kafka broker (pid $(cat "$KAFKA_DIR/kafka.pid" 2>/dev/null)) was started by an older stack.sh without the SASL_SSL listener on $KAFKA_HOST:$KAFKA_SASL_PORT"
      fix="Restart it (its topics are dropped): bash deploy/local/stack.sh down && bash deploy/local/stack.sh up"
    fi
    banner "WARNING: $KAFKA_SASL_MISSING_REASON." \
      "The Kafka TLS/SASL integration tests (test/integration/kafka-sasl.test.ts) will FAIL with this reason." \
      "$fix"
    return 0
  fi
  [[ -f "$KAFKA_TLS_DIR/secret" && -f "$KAFKA_TLS_DIR/ca.pem" ]] ||
    die "$KAFKA_HOST:$KAFKA_SASL_PORT is open but ${KAFKA_TLS_DIR#"$ROOT"/} has no CA or secret (was it deleted?)." \
      "Restart the broker: bash deploy/local/stack.sh down && bash deploy/local/stack.sh up"
  step "kafka: SCRAM-SHA-512 user $KAFKA_SASL_USER and the SASL_SSL listener on $KAFKA_HOST:$KAFKA_SASL_PORT"
  java -cp "$KAFKA_LIBS/*" "$HERE/kafka/ScramUser.java" "$KAFKA_HOST:$KAFKA_PORT" "$KAFKA_SASL_USER" \
    <"$KAFKA_TLS_DIR/secret" >"$KAFKA_DIR/scram.log" 2>&1 || {
    cat "$KAFKA_DIR/scram.log" >&2
    die "creating the SCRAM user failed (log above)"
  }
  CDP_READY_SASL_USERNAME="$KAFKA_SASL_USER" CDP_READY_SASL_PASSWORD="$(cat "$KAFKA_TLS_DIR/secret")" \
    CDP_READY_SSL_CA_FILE="$KAFKA_TLS_DIR/ca.pem" node "$HERE/kafka-ready.js" "$KAFKA_HOST:$KAFKA_SASL_PORT" 60 --metadata-only ||
    die "the SASL_SSL listener on $KAFKA_HOST:$KAFKA_SASL_PORT does not accept the test user (see ${KAFKA_DIR#"$ROOT"/}/server.log)"
}

kafka_down() {
  stop_pidfile "$KAFKA_DIR/kafka.pid" kafka 30
  # A fresh KRaft log each `up` after `down`: tests never depend on old topics.
  rm -rf "$KAFKA_DIR/data"
}

# ---------------------------------------------------------------------------------------------------
# Postgres

pg_answers() { PGCONNECT_TIMEOUT=3 psql "$1" -XAtqc 'select 1' >/dev/null 2>&1; }

pg_bin() {
  if have "$1"; then
    command -v "$1"
    return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/$1" ]] && {
      echo "$d/$1"
      return
    }
  done
  return 1
}

# initdb and postgres refuse to run as root: as root, run them as the `postgres` system user.
pg_as_owner() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_private_url() { echo "postgres://postgres@127.0.0.1:$PG_PRIVATE_PORT/test"; }

pg_up() {
  local url="${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
  have psql || die "psql is not installed (needed to check Postgres)." "Install it: apt-get install -y postgresql-client"
  if pg_answers "$url"; then
    step "postgres: using $url"
    PG_URL="$url"
    return
  fi
  local private
  private="$(pg_private_url)"
  if [[ "$url" != "$private" ]]; then
    step "postgres: $url does not answer; using a private instance on port $PG_PRIVATE_PORT"
  fi
  PG_URL="$private"
  if pg_answers "$PG_URL"; then
    step "postgres: private instance already answers on port $PG_PRIVATE_PORT"
    return
  fi
  local initdb pg_ctl
  initdb="$(pg_bin initdb)" && pg_ctl="$(pg_bin pg_ctl)" ||
    die "Postgres is not reachable at $url and no server binaries (initdb, pg_ctl) were found to start one." \
      "Install them: apt-get install -y postgresql   (or point DATABASE_URL at a running server)"
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run a private Postgres as." \
      "Create one (useradd --system postgres) or run as a normal user."
  fi
  port_open 127.0.0.1 "$PG_PRIVATE_PORT" &&
    die "port $PG_PRIVATE_PORT is taken by a process that is not a usable Postgres." "Set CDP360_PRIVATE_PG_PORT to a free port."
  mkdir -p "$PG_DIR"
  ((EUID == 0)) && chown postgres: "$PG_DIR"
  pg_as_owner test -w "$PG_DIR" ||
    die "the postgres user cannot write ${PG_DIR} (a parent folder is not reachable for it)." \
      "Run as a normal user, or make the checkout's parent folders traversable (chmod o+x)."
  if [[ ! -f "$PG_DIR/data/PG_VERSION" ]]; then
    step "postgres: initdb in ${PG_DIR#"$ROOT"/}/data"
    pg_as_owner "$initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
      >"$PG_DIR/initdb.log" 2>&1 || {
      cat "$PG_DIR/initdb.log" >&2
      die "initdb failed (log above)"
    }
  fi
  step "postgres: starting a private server on 127.0.0.1:$PG_PRIVATE_PORT"
  # Test settings: durability off (throw-away data), no unix socket (path length limits).
  pg_as_owner "$pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start -o \
    "-p $PG_PRIVATE_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null 9>&- || {
    tail -n 30 "$PG_DIR/postgres.log" >&2 || true
    die "the private Postgres did not start (log above, in ${PG_DIR#"$ROOT"/}/postgres.log)"
  }
  local admin_url="postgres://postgres@127.0.0.1:$PG_PRIVATE_PORT/postgres"
  if [[ "$(psql "$admin_url" -XAtqc "select 1 from pg_database where datname = 'test'")" != 1 ]]; then
    psql "$admin_url" -Xqc 'create database test' >/dev/null
  fi
  pg_answers "$PG_URL" || die "the private Postgres started but $PG_URL does not answer"
}

pg_down() {
  [[ -f "$PG_DIR/data/postmaster.pid" ]] || return 0
  local pg_ctl
  pg_ctl="$(pg_bin pg_ctl)" || return 0
  step "stopping the private postgres (port $PG_PRIVATE_PORT)"
  pg_as_owner "$pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null || true
}

# ---------------------------------------------------------------------------------------------------
# Redis

redis_answers() { [[ "$(timeout 3 redis-cli -u "$1" ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  local url="${REDIS_URL:-$DEFAULT_REDIS_URL}"
  have redis-cli || die "redis-cli is not installed (needed to check Redis)." "Install it: apt-get install -y redis-tools"
  if redis_answers "$url"; then
    step "redis: using $url"
    RDS_URL="$url"
    return
  fi
  local private="redis://127.0.0.1:$REDIS_PRIVATE_PORT"
  [[ "$url" != "$private" ]] && step "redis: $url does not answer; using a private instance on port $REDIS_PRIVATE_PORT"
  RDS_URL="$private"
  if redis_answers "$RDS_URL"; then
    step "redis: private instance already answers on port $REDIS_PRIVATE_PORT"
    return
  fi
  have redis-server || die "Redis is not reachable at $url and redis-server is not installed to start one." \
    "Install it: apt-get install -y redis-server   (or point REDIS_URL at a running server)"
  port_open 127.0.0.1 "$REDIS_PRIVATE_PORT" &&
    die "port $REDIS_PRIVATE_PORT is taken by a process that is not Redis." "Set CDP360_PRIVATE_REDIS_PORT to a free port."
  mkdir -p "$REDIS_DIR"
  step "redis: starting a private server on 127.0.0.1:$REDIS_PRIVATE_PORT (no persistence)"
  spawn "$REDIS_DIR/redis.pid" "$REDIS_DIR/redis.log" redis-server --port "$REDIS_PRIVATE_PORT" --bind 127.0.0.1 \
    --save '' --appendonly no --daemonize no --dir "$REDIS_DIR" --protected-mode yes
  local i
  for i in $(seq 1 100); do
    redis_answers "$RDS_URL" && return 0
    pid_alive "$REDIS_DIR/redis.pid" || {
      cat "$REDIS_DIR/redis.log" >&2
      die "redis-server exited during start-up (log above)"
    }
    sleep 0.1
  done
  die "the private redis did not answer PING within 10s (see ${REDIS_DIR#"$ROOT"/}/redis.log)"
}

redis_down() { stop_pidfile "$REDIS_DIR/redis.pid" "the private redis" 10; }

# ---------------------------------------------------------------------------------------------------
# Redis Cluster (3 masters, no replicas, no persistence)

RC_MISSING_REASON=""
RC_EXTERNAL=""

rc_nodes() {
  local IFS=, out=() p
  for p in "${RC_PORTS[@]}"; do out+=("127.0.0.1:$p"); done
  echo "${out[*]}"
}

rc_cli() {
  local port="$1"
  shift
  timeout 5 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

# true when every node says the cluster is ok and knows three masters
rc_healthy() {
  local p info
  for p in "${RC_PORTS[@]}"; do
    info="$(rc_cli "$p" cluster info)" || return 1
    grep -q '^cluster_state:ok' <<<"$info" && grep -q '^cluster_size:3' <<<"$info" || return 1
  done
}

# true when the node has never joined a cluster (knows only itself, serves no slot)
rc_fresh() {
  local info
  info="$(rc_cli "$1" cluster info)" || return 1
  grep -q '^cluster_known_nodes:1' <<<"$info" && grep -q '^cluster_slots_assigned:0' <<<"$info"
}

redis_cluster_up() {
  if ! have redis-server; then
    RC_MISSING_REASON="redis-server is not installed (the Redis Cluster tests start cluster nodes from it)"
    banner "WARNING: no local Redis Cluster: $RC_MISSING_REASON." \
      "The Redis Cluster integration tests will FAIL with this reason. Install it: apt-get install -y redis-server"
    return 0
  fi
  if rc_healthy; then
    local ours=0 p
    for p in "${RC_PORTS[@]}"; do pid_alive "$RC_DIR/$p/redis.pid" && ours=$((ours + 1)); done
    if ((ours == 0)); then
      step "redis cluster: a healthy 3-master cluster already answers on $(rc_nodes); using it (not started by this script)"
      RC_EXTERNAL=1
    else
      step "redis cluster: already running on $(rc_nodes)"
    fi
    return 0
  fi
  local p i
  for p in "${RC_PORTS[@]}"; do
    if pid_alive "$RC_DIR/$p/redis.pid"; then continue; fi
    if port_open 127.0.0.1 "$p" || port_open 127.0.0.1 "$((p + 10000))"; then
      die "port $p (or its cluster bus port $((p + 10000))) is taken by a process this script did not start." \
        "Find it with: ss -ltnp 'sport = :$p'   or set CDP360_REDIS_CLUSTER_PORT to another first port."
    fi
    mkdir -p "$RC_DIR/$p"
    step "redis cluster: starting a node on 127.0.0.1:$p (no persistence)"
    spawn "$RC_DIR/$p/redis.pid" "$RC_DIR/$p/redis.log" redis-server --port "$p" --bind 127.0.0.1 \
      --cluster-enabled yes --cluster-config-file "$RC_DIR/$p/nodes.conf" --cluster-node-timeout 5000 \
      --save '' --appendonly no --daemonize no --dir "$RC_DIR/$p" --protected-mode yes
  done
  for p in "${RC_PORTS[@]}"; do
    for i in $(seq 1 100); do
      [[ "$(rc_cli "$p" ping)" == PONG ]] && break
      pid_alive "$RC_DIR/$p/redis.pid" || {
        cat "$RC_DIR/$p/redis.log" >&2
        die "the Redis Cluster node on port $p exited during start-up (log above)"
      }
      ((i == 100)) && die "the Redis Cluster node on port $p did not answer PING within 10s (see ${RC_DIR#"$ROOT"/}/$p/redis.log)"
      sleep 0.1
    done
  done
  # Nodes restarted from their nodes.conf rejoin by themselves; fresh ones form a new cluster.
  local fresh=0
  for p in "${RC_PORTS[@]}"; do rc_fresh "$p" && fresh=$((fresh + 1)); done
  if ((fresh == ${#RC_PORTS[@]})); then
    step "redis cluster: creating a 3-master cluster on $(rc_nodes)"
    local hosts=() out
    for p in "${RC_PORTS[@]}"; do hosts+=("127.0.0.1:$p"); done
    out="$(timeout 60 redis-cli --cluster create "${hosts[@]}" --cluster-replicas 0 --cluster-yes 2>&1)" || {
      printf '%s\n' "$out" >&2
      die "redis-cli --cluster create failed (output above)"
    }
  elif ((fresh > 0)); then
    die "the Redis Cluster nodes on $(rc_nodes) are half set up (some joined a cluster, some did not)." \
      "Start over: bash deploy/local/stack.sh down && bash deploy/local/stack.sh up"
  fi
  for i in $(seq 1 300); do
    rc_healthy && return 0
    sleep 0.1
  done
  die "the Redis Cluster on $(rc_nodes) did not reach cluster_state:ok within 30s." \
    "Check it: redis-cli --cluster check 127.0.0.1:${RC_PORTS[0]}; start over: bash deploy/local/stack.sh down && up"
}

redis_cluster_down() {
  local p
  for p in "${RC_PORTS[@]}"; do stop_pidfile "$RC_DIR/$p/redis.pid" "the redis cluster node on port $p" 10; done
  # A fresh cluster (new node ids, empty slots) each `up` after `down`.
  rm -rf "$RC_DIR"
}

# ---------------------------------------------------------------------------------------------------
# Pub/Sub emulator

PUBSUB_MISSING_REASON=""
KAFKA_EXTERNAL=""

pubsub_jar() {
  local home="${PUBSUB_EMULATOR_HOME:-}"
  if [[ -z "$home" ]]; then
    for d in /usr/lib/google-cloud-sdk/platform/pubsub-emulator /usr/share/google-cloud-sdk/platform/pubsub-emulator \
      /opt/google-cloud-sdk/platform/pubsub-emulator "$HOME/google-cloud-sdk/platform/pubsub-emulator"; do
      [[ -d "$d" ]] && home="$d" && break
    done
  fi
  if [[ -z "$home" ]] && have gcloud; then
    local sdk
    sdk="$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null || true)"
    [[ -n "$sdk" && -d "$sdk/platform/pubsub-emulator" ]] && home="$sdk/platform/pubsub-emulator"
  fi
  [[ -n "$home" ]] || return 1
  ls "$home"/lib/cloud-pubsub-emulator-*.jar 2>/dev/null | sort -V | tail -n1 | grep .
}

pubsub_up() {
  local url="http://$PUBSUB_HOST:$PUBSUB_PORT/" pidfile="$PUBSUB_DIR/pubsub.pid" jar
  if http_ok "$url"; then
    step "pubsub: emulator answers on $PUBSUB_HOST:$PUBSUB_PORT"
    return 0
  fi
  if ! jar="$(pubsub_jar)"; then
    if [[ -n "${PUBSUB_EMULATOR_HOME:-}" ]]; then
      PUBSUB_MISSING_REASON="PUBSUB_EMULATOR_HOME=$PUBSUB_EMULATOR_HOME holds no lib/cloud-pubsub-emulator-*.jar"
    elif have gcloud; then
      PUBSUB_MISSING_REASON="the Cloud SDK is installed but its pubsub-emulator component is not"
    else
      PUBSUB_MISSING_REASON="the Google Cloud SDK (gcloud) with its pubsub-emulator component is not installed"
    fi
    banner "WARNING: Pub/Sub emulator not available: $PUBSUB_MISSING_REASON." \
      "The Pub/Sub integration tests will be SKIPPED (they say so in the test output)." \
      "Install it from Google's Cloud SDK apt repository (packages.cloud.google.com/apt, 'cloud-sdk' main):" \
      "  apt-get install -y google-cloud-cli google-cloud-cli-pubsub-emulator" \
      "  (or, with a non-apt Cloud SDK: gcloud components install pubsub-emulator)" \
      "or set PUBSUB_EMULATOR_HOME to the folder that holds lib/cloud-pubsub-emulator-*.jar."
    return 0
  fi
  if pid_alive "$pidfile"; then
    step "pubsub: our emulator (pid $(cat "$pidfile")) is running but slow to answer; waiting for it"
  else
    port_open "$PUBSUB_HOST" "$PUBSUB_PORT" &&
      die "port $PUBSUB_PORT is taken by a process that is not the Pub/Sub emulator." "Find it with: ss -ltnp 'sport = :$PUBSUB_PORT'"
    require_java
    mkdir -p "$PUBSUB_DIR"
    step "pubsub: starting the emulator ($(basename "$jar")) on $PUBSUB_HOST:$PUBSUB_PORT"
    spawn "$pidfile" "$PUBSUB_DIR/emulator.log" java -Xmx1g -Djava.awt.headless=true -jar "$jar" \
      --host="$PUBSUB_HOST" --port="$PUBSUB_PORT"
  fi
  local i
  for i in $(seq 1 300); do
    http_ok "$url" && return 0
    pid_alive "$pidfile" || {
      tail -n 30 "$PUBSUB_DIR/emulator.log" >&2 || true
      die "the Pub/Sub emulator exited during start-up (log above, in ${PUBSUB_DIR#"$ROOT"/}/emulator.log)"
    }
    sleep 0.2
  done
  die "the Pub/Sub emulator did not answer $url within 60s (see ${PUBSUB_DIR#"$ROOT"/}/emulator.log)"
}

pubsub_down() { stop_pidfile "$PUBSUB_DIR/pubsub.pid" "the pubsub emulator" 10; }

# ---------------------------------------------------------------------------------------------------

write_env() {
  local tmp="$STACK/env.tmp.$$"
  {
    echo "# Written by deploy/local/stack.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ); source it: . .stack/env"
    echo "export KAFKA_BROKERS='$KAFKA_HOST:$KAFKA_PORT'"
    echo "export DATABASE_URL='$PG_URL'"
    echo "export REDIS_URL='$RDS_URL'"
    if [[ -z "$RC_MISSING_REASON" ]]; then
      echo "# A private 3-master Redis Cluster for the cluster tests (REDIS_CLUSTER_NODES of their processes)."
      echo "export CDP_TEST_REDIS_CLUSTER_NODES='$(rc_nodes)'"
      echo "unset CDP_TEST_REDIS_CLUSTER_UNAVAILABLE"
    else
      echo "unset CDP_TEST_REDIS_CLUSTER_NODES"
      echo "export CDP_TEST_REDIS_CLUSTER_UNAVAILABLE='$RC_MISSING_REASON'"
    fi
    echo "export PUBSUB_PROJECT_ID='$PUBSUB_PROJECT'"
    if [[ -z "$KAFKA_SASL_MISSING_REASON" ]]; then
      echo "# The same broker through TLS + SASL (SCRAM-SHA-512), for the tests of those settings."
      echo "export CDP_TEST_KAFKA_SASL_BROKERS='$KAFKA_HOST:$KAFKA_SASL_PORT'"
      echo "export CDP_TEST_KAFKA_SASL_MECHANISM='scram-sha-512'"
      echo "export CDP_TEST_KAFKA_SASL_USERNAME='$KAFKA_SASL_USER'"
      echo "export CDP_TEST_KAFKA_SASL_PASSWORD='$(cat "$KAFKA_TLS_DIR/secret")'"
      echo "export CDP_TEST_KAFKA_SSL_CA_FILE='$KAFKA_TLS_DIR/ca.pem'"
      echo "unset CDP_TEST_KAFKA_SASL_UNAVAILABLE"
    else
      echo "# No SASL_SSL listener: the Kafka TLS/SASL tests fail with this reason."
      echo "export CDP_TEST_KAFKA_SASL_UNAVAILABLE='$KAFKA_SASL_MISSING_REASON'"
    fi
    if [[ -z "$PUBSUB_MISSING_REASON" ]]; then
      echo "export PUBSUB_EMULATOR_HOST='$PUBSUB_HOST:$PUBSUB_PORT'"
      echo "unset PUBSUB_EMULATOR_UNAVAILABLE"
    else
      echo "# No Pub/Sub emulator on this machine: Pub/Sub tests skip and print this reason."
      echo "unset PUBSUB_EMULATOR_HOST"
      echo "export PUBSUB_EMULATOR_UNAVAILABLE='$PUBSUB_MISSING_REASON'"
    fi
  } >"$tmp"
  mv "$tmp" "$STACK/env"
}

lock() {
  mkdir -p "$STACK"
  exec 9>"$STACK/.lock"
  flock -w 600 9 || die "another stack.sh holds $STACK/.lock for more than 10 minutes"
}

cmd_up() {
  local t0=$SECONDS
  require_node_kafkajs
  lock
  kafka_up
  pg_up
  redis_up
  redis_cluster_up
  pubsub_up
  write_env
  say ""
  say "[stack] ready in $((SECONDS - t0))s:"
  if [[ -n "$KAFKA_EXTERNAL" ]]; then
    say "  kafka     $KAFKA_HOST:$KAFKA_PORT  (already running, not started by stack.sh)"
  else
    say "  kafka     $KAFKA_HOST:$KAFKA_PORT  (Apache Kafka $KAFKA_VERSION, KRaft; logs .stack/kafka/server.log)"
  fi
  if [[ -z "$KAFKA_SASL_MISSING_REASON" ]]; then
    say "  kafka     $KAFKA_HOST:$KAFKA_SASL_PORT  (same broker, SASL_SSL SCRAM-SHA-512; CA .stack/kafka/tls/ca.pem)"
  else
    say "  kafka     SASL_SSL NOT AVAILABLE: $KAFKA_SASL_MISSING_REASON (TLS/SASL tests will fail)"
  fi
  say "  postgres  $PG_URL"
  say "  redis     $RDS_URL"
  if [[ -n "$RC_MISSING_REASON" ]]; then
    say "  cluster   NOT AVAILABLE: $RC_MISSING_REASON"
  elif [[ -n "$RC_EXTERNAL" ]]; then
    say "  cluster   $(rc_nodes)  (Redis Cluster, 3 masters, already running, not started by stack.sh)"
  else
    say "  cluster   $(rc_nodes)  (Redis Cluster, 3 masters, no persistence; logs .stack/redis-cluster/)"
  fi
  if [[ -z "$PUBSUB_MISSING_REASON" ]]; then
    say "  pubsub    $PUBSUB_HOST:$PUBSUB_PORT  (emulator, project $PUBSUB_PROJECT)"
  else
    say "  pubsub    NOT AVAILABLE: $PUBSUB_MISSING_REASON (Pub/Sub tests will be skipped)"
  fi
  say "  env file  .stack/env   (. .stack/env; jest reads it by itself)"
}

cmd_down() {
  lock
  kafka_down
  pubsub_down
  redis_cluster_down
  redis_down
  pg_down
  rm -f "$STACK/env"
  step "down"
}

cmd_status() {
  local failed=0 pg_url redis_url who
  [[ -f "$STACK/env" ]] && . "$STACK/env"
  pg_url="${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
  redis_url="${REDIS_URL:-$DEFAULT_REDIS_URL}"

  who="not started by stack.sh"
  pid_alive "$KAFKA_DIR/kafka.pid" && who="started by stack.sh, pid $(cat "$KAFKA_DIR/kafka.pid"), Kafka $KAFKA_VERSION"
  if node "$HERE/kafka-ready.js" "${KAFKA_BROKERS:-$KAFKA_HOST:$KAFKA_PORT}" 5 --metadata-only 2>/dev/null; then
    say "kafka     ${KAFKA_BROKERS:-$KAFKA_HOST:$KAFKA_PORT}  answers       ($who)"
  else
    say "kafka     ${KAFKA_BROKERS:-$KAFKA_HOST:$KAFKA_PORT}  DOWN          ($who)"
    failed=1
  fi

  who="machine's own or external"
  [[ "$pg_url" == "$(pg_private_url)" ]] && who="private instance in .stack/postgres"
  if pg_answers "$pg_url"; then say "postgres  $pg_url  answers  ($who)"; else
    say "postgres  $pg_url  DOWN  ($who)"
    failed=1
  fi

  who="machine's own or external"
  [[ "$redis_url" == "redis://127.0.0.1:$REDIS_PRIVATE_PORT" ]] && who="private instance, pid file .stack/redis/redis.pid"
  if redis_answers "$redis_url"; then say "redis     $redis_url  answers  ($who)"; else
    say "redis     $redis_url  DOWN  ($who)"
    failed=1
  fi

  who="not started by stack.sh"
  pid_alive "$RC_DIR/${RC_PORTS[0]}/redis.pid" && who="started by stack.sh, data in .stack/redis-cluster"
  if rc_healthy; then
    say "cluster   $(rc_nodes)  answers  (3 masters, $who)"
  elif [[ -n "${CDP_TEST_REDIS_CLUSTER_UNAVAILABLE:-}" ]]; then
    say "cluster   not available: $CDP_TEST_REDIS_CLUSTER_UNAVAILABLE (Redis Cluster tests fail)"
  else
    say "cluster   $(rc_nodes)  DOWN  ($who)"
    failed=1
  fi

  who="not started by stack.sh"
  pid_alive "$PUBSUB_DIR/pubsub.pid" && who="started by stack.sh, pid $(cat "$PUBSUB_DIR/pubsub.pid")"
  if http_ok "http://$PUBSUB_HOST:$PUBSUB_PORT/"; then
    say "pubsub    $PUBSUB_HOST:$PUBSUB_PORT  answers  ($who)"
  elif [[ -n "${PUBSUB_EMULATOR_UNAVAILABLE:-}" ]]; then
    say "pubsub    not available: $PUBSUB_EMULATOR_UNAVAILABLE (Pub/Sub tests skip)"
  else
    say "pubsub    $PUBSUB_HOST:$PUBSUB_PORT  DOWN  ($who)"
    failed=1
  fi
  return "$failed"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
  echo "usage: bash deploy/local/stack.sh up|down|status" >&2
  exit 2
  ;;
esac
