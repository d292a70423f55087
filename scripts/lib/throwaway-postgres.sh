# shellcheck shell=bash
# A throwaway PostgreSQL cluster on loopback for the tests: its own temp folder, a free port,
# fsync off (the data dies with the run anyway). Sourced by scripts/test.sh.
#   start_throwaway_postgres  sets THROWAWAY_POSTGRES to a superuser connection string
#   stop_throwaway_postgres   stops it and deletes the folder; safe to call more than once

THROWAWAY_POSTGRES=""
PG_FOLDER=""
PG_BIN=""

# initdb refuses to run as root: as root the cluster belongs to the `postgres` user.
as_cluster_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_throwaway_postgres() {
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$PG_BIN" ]; then echo "no PostgreSQL under /usr/lib/postgresql" >&2; return 1; fi
    PG_FOLDER=$(mktemp -d /tmp/portal-pg.XXXXXX)
    local password="portal-tests-$RANDOM$RANDOM"
    printf '%s\n' "$password" > "$PG_FOLDER/pwfile"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$PG_FOLDER"

    as_cluster_owner "$PG_BIN/initdb" -D "$PG_FOLDER/data" -U postgres --pwfile="$PG_FOLDER/pwfile" \
        --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$PG_FOLDER/initdb.log" 2>&1 \
        || { echo "initdb failed:" >&2; cat "$PG_FOLDER/initdb.log" >&2; return 1; }
    rm -f "$PG_FOLDER/pwfile"

    # Another process may take a free-looking port first: try a few.
    local attempt port
    for attempt in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" && continue
        if as_cluster_owner "$PG_BIN/pg_ctl" -D "$PG_FOLDER/data" -l "$PG_FOLDER/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_FOLDER -c fsync=off -c max_connections=200" start >/dev/null
        then
            THROWAWAY_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres"
            echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $PG_FOLDER)"
            return 0
        fi
    done
    echo "pg_ctl start failed:" >&2; tail -n 20 "$PG_FOLDER/server.log" >&2
    return 1
}

stop_throwaway_postgres() {
    [ -n "$PG_FOLDER" ] || return 0
    if [ -f "$PG_FOLDER/data/postmaster.pid" ]; then
        as_cluster_owner "$PG_BIN/pg_ctl" -D "$PG_FOLDER/data" -m fast -w stop >/dev/null 2>&1
    fi
    rm -rf "$PG_FOLDER"
    PG_FOLDER=""
    THROWAWAY_POSTGRES=""
}
