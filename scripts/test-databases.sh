#!/usr/bin/env bash
# Makes PostgreSQL and MariaDB ready on loopback for Concord's test suite.
#
# Installs them from Debian packages where missing, starts them where stopped (no systemd),
# raises PostgreSQL's max_prepared_transactions (XA needs it; the default 0 makes every PREPARE
# TRANSACTION fail) and creates the role, user and databases the tests use. Idempotent: when
# everything is already right it changes nothing and takes well under 5 s.
#
# Tests connect as user "concord", password "concord":
#   PostgreSQL 127.0.0.1:5432, MariaDB 127.0.0.1:3306, databases concord, concord_shard_0..3.
set -euo pipefail

PG_MIN_PREPARED=64
PG_PREPARED=128
PG_MAX_CONNECTIONS=300
MARIADB_MAX_CONNECTIONS=500
DATABASES=(concord concord_shard_0 concord_shard_1 concord_shard_2 concord_shard_3)

log() { printf 'test-databases: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || die "$1 is missing and this is not a Debian/Ubuntu machine; install $* yourself"
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing $* from Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # description, command...
  local what=$1; shift
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what did not come up within 30 s"
}

# ---------------------------------------------------------------- PostgreSQL
pg_bin_ready() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null && command -v pg_ctlcluster >/dev/null; }
pg_bin_ready || apt_install postgresql postgresql-client
pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
[ -n "$pg_version" ] || die "no PostgreSQL cluster under /etc/postgresql (try: pg_createcluster --start 15 main)"

pg_admin() { # runs SQL as the superuser: over TCP when trust allows it, else through the socket
  if psql -h 127.0.0.1 -U postgres -w -d postgres -c 'select 1' >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -w -X -q -v ON_ERROR_STOP=1 -d "${2:-postgres}" -tAc "$1"
  else
    as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d "${2:-postgres}" -tAc "$1"
  fi
}
pg_running() { pg_lsclusters -h 2>/dev/null | awk -v v="$pg_version" '$1==v && $2=="main" {print $4}' | grep -q online; }
pg_ctl() { as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main "$1"; }

if ! pg_running; then log "starting PostgreSQL $pg_version"; pg_ctl start; fi
wait_for "PostgreSQL" pg_admin 'select 1'

current_prepared=$(pg_admin 'show max_prepared_transactions')
current_connections=$(pg_admin 'show max_connections')
if [ "$current_prepared" -lt "$PG_MIN_PREPARED" ] || [ "$current_connections" -lt "$PG_MAX_CONNECTIONS" ]; then
  log "PostgreSQL max_prepared_transactions=$current_prepared max_connections=$current_connections; setting $PG_PREPARED/$PG_MAX_CONNECTIONS and restarting"
  pg_admin "alter system set max_prepared_transactions = $PG_PREPARED" >/dev/null
  pg_admin "alter system set max_connections = $PG_MAX_CONNECTIONS" >/dev/null
  pg_ctl restart
  wait_for "PostgreSQL" pg_admin 'select 1'
fi
[ "$(pg_admin 'show max_prepared_transactions')" -ge "$PG_MIN_PREPARED" ] || die "max_prepared_transactions did not take"

pg_admin "do \$\$ begin
  if not exists (select from pg_roles where rolname = 'concord') then
    create role concord login createdb password 'concord';
  end if; end \$\$" >/dev/null
existing=$(pg_admin "select datname from pg_database")
for db in "${DATABASES[@]}"; do
  grep -qx "$db" <<<"$existing" || pg_admin "create database $db owner concord" >/dev/null
done

# Test databases are named concord_t_<epoch seconds>_<random>; drop those older than two hours
# (a killed test run leaves them behind), first rolling back the prepared transactions they hold.
cutoff=$(( $(date +%s) - 7200 ))
for db in $(pg_admin "select datname from pg_database where datname ~ '^concord_t_[0-9]+_'"); do
  created=$(cut -d_ -f3 <<<"$db")
  [ "$created" -lt "$cutoff" ] || continue
  for gid in $(pg_admin "select gid from pg_prepared_xacts where database = '$db'"); do
    pg_admin "rollback prepared '$gid'" "$db" >/dev/null || true
  done
  pg_admin "drop database if exists $db with (force)" >/dev/null || log "could not drop stale $db"
done

# ---------------------------------------------------------------- MariaDB
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
mysql_client=$(command -v mariadb || command -v mysql) || die "no mariadb client"
my_admin() {
  if "$mysql_client" -h 127.0.0.1 -uroot -N -B -e 'select 1' >/dev/null 2>&1; then
    "$mysql_client" -h 127.0.0.1 -uroot -N -B -e "$1"
  else
    as_root "$mysql_client" -uroot -N -B -e "$1"
  fi
}
if ! my_admin 'select 1' >/dev/null 2>&1; then
  log "starting MariaDB"
  as_root install -d -o mysql -g mysql /run/mysqld
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  wait_for "MariaDB" my_admin 'select 1'
fi
[ "$(my_admin 'select @@global.max_connections')" -ge "$MARIADB_MAX_CONNECTIONS" ] ||
  my_admin "set global max_connections = $MARIADB_MAX_CONNECTIONS"
my_admin "create user if not exists 'concord'@'%' identified by 'concord';
  create user if not exists 'concord'@'localhost' identified by 'concord';
  grant all privileges on *.* to 'concord'@'%';
  grant all privileges on *.* to 'concord'@'localhost';
  $(for db in "${DATABASES[@]}"; do printf 'create database if not exists %s;\n' "$db"; done)"
for db in $(my_admin "select schema_name from information_schema.schemata where schema_name like 'concord\\_t\\_%'"); do
  created=$(cut -d_ -f3 <<<"$db")
  # A prepared XA branch left by a killed test holds a metadata lock; never wait on it here.
  [ "$created" -lt "$cutoff" ] &&
    { my_admin "set session lock_wait_timeout = 2; drop database if exists \`$db\`" ||
      log "could not drop stale $db (a prepared XA branch holds it; see XA RECOVER)"; } || true
done

log "PostgreSQL $pg_version and MariaDB ready on 127.0.0.1 (user concord/concord)"
