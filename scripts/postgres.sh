#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: Debian's postgresql, one cluster on 127.0.0.1 only.
#
#   scripts/postgres.sh start   installs the package when missing, creates a cluster (its own data
#                               directory), starts it on 127.0.0.1:$WARTA_POSTGRES_PORT or a free
#                               port with a database "warta"; prints
#                               WARTA_TEST_POSTGRES=postgres://warta:<password>@127.0.0.1:<port>/warta
#   scripts/postgres.sh stop    stops it and deletes everything it made
#
# PostgreSQL refuses to run as root, so the server runs as the package's "postgres" user; its
# directory lives under /tmp because that user must reach it (a clone under a private temp dir
# would be closed to it); target/postgres.state names it. Connections need a password (SCRAM),
# random per cluster, so that another local user cannot use the throwaway superuser.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
pointer="$repo/target/postgres.state"

say() { printf 'postgres.sh: %s\n' "$*" >&2; }

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_package() {
    [ -n "$(bin_dir)" ] && [ -x "$(bin_dir)/initdb" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "PostgreSQL is missing and this is not root: cannot install it"
        return 1
    fi
    say "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends postgresql >/dev/null
    # Debian starts its own cluster on install; this script runs its own.
    service postgresql stop >/dev/null 2>&1 || true
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

as_server() { # run a command as the server's user (or as is, when not root)
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    [ -f "$pointer" ] && stop
    install_package
    local bin dir port
    bin="$(bin_dir)"
    dir="$(mktemp -d /tmp/warta-postgres.XXXXXX)"
    mkdir -p "$(dirname "$pointer")"
    echo "$dir" >"$pointer"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port="${WARTA_POSTGRES_PORT:-$(free_port)}"
    local password
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    (umask 077; echo "$password" >"$dir/password")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/password"
    as_server "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/password" --auth=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { say "initdb failed:"; cat "$dir/initdb.log" >&2; return 1; }
    # Loopback only, a socket in its own directory, settings for a short-lived test cluster.
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { say "the server did not start:"; cat "$dir/server.log" >&2; return 1; }
    echo "$port" >"$dir/port"
    PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE warta LOGIN CREATEDB PASSWORD '$password'" -c "CREATE DATABASE warta OWNER warta" >/dev/null
    echo "WARTA_TEST_POSTGRES=postgres://warta:$password@127.0.0.1:$port/warta"
}

stop() {
    [ -f "$pointer" ] || return 0
    local dir bin
    dir="$(cat "$pointer")"
    bin="$(bin_dir)"
    if [ -d "$dir/data" ] && [ -n "$bin" ]; then
        as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    case "$dir" in /tmp/warta-postgres.*) rm -rf "$dir" ;; esac
    rm -f "$pointer"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
