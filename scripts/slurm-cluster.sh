#!/usr/bin/env bash
# A small real Slurm cluster on this one Debian machine, for the portal's Slurm region and its tests:
# munged, slurmctld and four slurmd (gpu01..gpu04, 8 fake GPUs and 16 CPUs each) with everything in one folder.
#
#   scripts/slurm-cluster.sh start    installs the Debian packages when missing, writes the config, starts the
#                                     daemons and waits until all four nodes answer; a running cluster is left as is
#   scripts/slurm-cluster.sh stop     cancels the cluster's jobs and stops its daemons; safe to call twice
#   scripts/slurm-cluster.sh status   the daemons and `sinfo`; exit 0 when the cluster runs, 3 when it does not
#   scripts/slurm-cluster.sh portal   start, then `dotnet run` the portal with a Slurm region `slurm-lab` on it
#
# Environment: PORTAL_SLURM_DIR (the folder, default /tmp/portal-slurm), PORTAL_SLURMCTLD_PORT (default 6817),
# PORTAL_SLURMD_PORT (the first of four consecutive slurmd ports, default 17001). Two clusters on one host need
# their own folders and ports; they share munged (one per host). PORTAL_SLURM_REST=1 also runs slurmrestd (JWT auth)
# on 127.0.0.1:PORTAL_SLURMRESTD_PORT (default 6820). Facts behind the config: SLURM-NOTES.md.
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${PORTAL_SLURM_DIR:-/tmp/portal-slurm}
CTLD_PORT=${PORTAL_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${PORTAL_SLURMD_PORT:-17001}
NODES=(gpu01 gpu02 gpu03 gpu04)
START_TIMEOUT=${PORTAL_SLURM_START_TIMEOUT:-60}
REST=${PORTAL_SLURM_REST:-0}
REST_PORT=${PORTAL_SLURMRESTD_PORT:-6820}
export SLURM_CONF="$DIR/etc/slurm.conf"
MUNGE_MARKER=/run/munge/started-by-slurm-cluster.sh

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "need root (or sudo) to run: $*" >&2; return 1
    fi
}

say() { echo "slurm-cluster: $*"; }
fail() { echo "slurm-cluster: $*" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port another cluster's daemon holds would make ours fail, or worse, answer for it (munge is shared):
# refuse before starting anything.
check_ports() {
    local i
    if ! pid_alive "$DIR/run/slurmctld.pid" && port_in_use "$CTLD_PORT"; then
        fail "port $CTLD_PORT (slurmctld) is in use: another cluster? Set PORTAL_SLURMCTLD_PORT (and PORTAL_SLURM_DIR)"
    fi
    for i in "${!NODES[@]}"; do
        if ! pid_alive "$DIR/run/slurmd-${NODES[$i]}.pid" && port_in_use $((SLURMD_PORT + i)); then
            fail "port $((SLURMD_PORT + i)) (slurmd ${NODES[$i]}) is in use: another cluster? Set PORTAL_SLURMD_PORT"
        fi
    done
}

source "$REPO_ROOT/scripts/lib/slurm-cluster-setup.sh"

# Any slurmctld or slurmd on this host, of any cluster (read from /proc: a minimal Debian has no pgrep).
slurm_daemon_left() {
    local comm
    for comm in /proc/[0-9]*/comm; do
        case "$(cat "$comm" 2>/dev/null)" in slurmctld|slurmd) return 0 ;; esac
    done
    return 1
}

# pid_alive FILE: the pid in FILE names a live process.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    munge_works && return 0
    [ -s /etc/munge/munge.key ] || as_root runuser -u munge -- mungekey --create >/dev/null \
        || fail "no /etc/munge/munge.key and mungekey --create failed"
    as_root install -d -o munge -g munge -m 755 /run/munge
    # --force: a munged that died leaves its socket behind, which would stop the new one.
    as_root runuser -u munge -- /usr/sbin/munged --force || fail "munged did not start (see /var/log/munge/munged.log)"
    # One of these clusters started munged, so the last one to stop may end it again.
    as_root touch "$MUNGE_MARKER"
    local i
    for i in $(seq 1 50); do munge_works && return 0; sleep 0.1; done
    fail "munged does not answer (see /var/log/munge/munged.log)"
}

# The nodes' states from sinfo, one "name state" line each.
node_states() { sinfo -h -N -o '%N %t' 2>/dev/null | sort -u; }

# All four nodes answer: a state that is not down, unknown, invalid or not responding (marked *).
# A restarted cluster may hold drained or reserved nodes on purpose: those count as up.
all_nodes_up() {
    local states up=0 name state
    states=$(node_states) || return 1
    while read -r name state; do
        [ -n "$name" ] || continue
        case "$state" in *'*'*|down*|unk*|inval*|fail*|futr*|boot*) ;; *) up=$((up + 1)) ;; esac
    done <<< "$states"
    [ "$up" -eq ${#NODES[@]} ]
}

running() {
    pid_alive "$DIR/run/slurmctld.pid" || return 1
    local node
    for node in "${NODES[@]}"; do pid_alive "$DIR/run/slurmd-$node.pid" || return 1; done
}

# slurmrestd refuses to run as root: it runs as `slurm`, and SLURM_JWT=daemon makes it take callers' tokens.
start_rest() {
    pid_alive "$DIR/run/slurmrestd.pid" && return 0
    port_in_use "$REST_PORT" && fail "port $REST_PORT (slurmrestd) is in use: set PORTAL_SLURMRESTD_PORT"
    # Not through as_root: a function in the background is a subshell, and the pid file must name slurmrestd itself.
    local sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" setpriv --reuid=slurm --regid=slurm --init-groups env SLURM_JWT=daemon SLURM_CONF="$SLURM_CONF" \
        slurmrestd -a rest_auth/jwt -s openapi/v0.0.38 "127.0.0.1:$REST_PORT" </dev/null >"$DIR/log/slurmrestd.log" 2>&1 &
    echo $! | as_root tee "$DIR/run/slurmrestd.pid" >/dev/null
    local i
    for i in $(seq 1 50); do port_in_use "$REST_PORT" && return 0; sleep 0.1; done
    fail "slurmrestd does not answer on 127.0.0.1:$REST_PORT: $(tail -n 20 "$DIR/log/slurmrestd.log")"
}

cmd_start() {
    local began=$EPOCHREALTIME
    if running && all_nodes_up; then
        if [ "$REST" = 1 ] && ! grep -q '^AuthAltTypes=auth/jwt' "$SLURM_CONF"; then
            fail "the cluster in $DIR runs without slurmrestd: stop it first, then start with PORTAL_SLURM_REST=1"
        fi
        [ "$REST" = 1 ] && start_rest
        say "already running in $DIR (SLURM_CONF=$SLURM_CONF)"
        return 0
    fi
    install_packages
    check_ports
    write_config
    start_munge
    if ! pid_alive "$DIR/run/slurmctld.pid"; then
        as_root slurmctld || fail "slurmctld did not start: $(tail -n 20 "$DIR/log/slurmctld.log" 2>/dev/null)"
    fi
    local node
    for node in "${NODES[@]}"; do
        pid_alive "$DIR/run/slurmd-$node.pid" && continue
        as_root slurmd -N "$node" || fail "slurmd $node did not start: $(tail -n 20 "$DIR/log/slurmd-$node.log" 2>/dev/null)"
    done
    local deadline=$((SECONDS + START_TIMEOUT))
    until all_nodes_up; do
        if [ $SECONDS -ge $deadline ]; then
            {
                echo "slurm-cluster: the nodes did not come up within ${START_TIMEOUT}s:"
                sinfo -N 2>&1 | head -n 10
                echo "--- $DIR/log/slurmctld.log"; tail -n 20 "$DIR/log/slurmctld.log" 2>/dev/null
                echo "--- $DIR/log/slurmd-gpu01.log"; tail -n 10 "$DIR/log/slurmd-gpu01.log" 2>/dev/null
            } >&2
            exit 1
        fi
        sleep 0.3
    done
    [ "$REST" = 1 ] && start_rest
    node_states | sed 's/^/  /'
    say "started in $(elapsed "$began") in $DIR (SLURM_CONF=$SLURM_CONF, slurmctld port $CTLD_PORT)"
}

# stop_pids FILE...: TERM to every pid at once (each daemon takes ~2 s to shut down), KILL what still runs after
# 10 s; a missing file or a dead pid is fine.
stop_pids() {
    local file pids=() alive=() pid i
    for file in "$@"; do pid_alive "$file" && pids+=("$(cat "$file")"); done
    if [ ${#pids[@]} -gt 0 ]; then
        as_root kill -TERM "${pids[@]}" 2>/dev/null
        for i in $(seq 1 100); do
            alive=()
            for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
            [ ${#alive[@]} -eq 0 ] && break
            sleep 0.1
        done
        [ ${#alive[@]} -gt 0 ] && as_root kill -KILL "${alive[@]}" 2>/dev/null
    fi
    as_root rm -f "$@"
}

# Seconds since START (an $EPOCHREALTIME), with a tenth.
elapsed() { local us=$(( ${EPOCHREALTIME/./} - ${1/./} )); printf '%d.%ds' $((us / 1000000)) $((us / 100000 % 10)); }

cmd_stop() {
    local began=$EPOCHREALTIME
    if pid_alive "$DIR/run/slurmctld.pid"; then
        # Jobs run in slurmstepd processes that outlive slurmd: cancel them while the cluster still answers.
        local jobs i
        jobs=$(squeue -h -o %i 2>/dev/null)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086
            as_root scancel $jobs 2>/dev/null
            for i in $(seq 1 40); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.25; done
        fi
    fi
    local files=("${NODES[@]/#/$DIR/run/slurmd-}")
    stop_pids "${files[@]/%/.pid}" "$DIR/run/slurmctld.pid" "$DIR/run/slurmrestd.pid"
    # munged is one per host: end it only if one of these clusters started it and no Slurm daemon still needs it.
    if [ -f "$MUNGE_MARKER" ]; then
        if slurm_daemon_left; then
            say "leaving munged running: another Slurm cluster uses it"
        else
            stop_pids /run/munge/munged.pid
            as_root rm -f "$MUNGE_MARKER"
        fi
    fi
    say "stopped in $(elapsed "$began") ($DIR)"
}

cmd_status() {
    local name file state=0
    for name in slurmctld "${NODES[@]/#/slurmd-}"; do
        file="$DIR/run/$name.pid"
        if pid_alive "$file"; then echo "  $name: running (pid $(cat "$file"))"; else echo "  $name: stopped"; state=3; fi
    done
    if [ -f "$DIR/run/slurmrestd.pid" ]; then
        pid_alive "$DIR/run/slurmrestd.pid" && echo "  slurmrestd: running (pid $(cat "$DIR/run/slurmrestd.pid"))" \
            || { echo "  slurmrestd: stopped"; state=3; }
    fi
    if munge_works; then echo "  munged: running"; else echo "  munged: stopped"; state=3; fi
    [ $state -eq 0 ] && sinfo -N 2>&1 | sed 's/^/  /'
    [ $state -eq 0 ] && say "running in $DIR (SLURM_CONF=$SLURM_CONF)" || say "not running ($DIR)"
    return $state
}

cmd_portal() {
    cmd_start
    local region=slurm-lab
    say "portal with region $region on the cluster; Ctrl-C stops the portal (then: $0 stop)"
    cd "$REPO_ROOT" || exit 1
    # The region id has a dash, which bash's export refuses: env(1) passes such names through.
    exec env \
        "Pool__Regions__${region}__Driver=Slurm" \
        "Pool__Regions__${region}__Name=Slurm lab" \
        "Pool__Regions__${region}__Slurm__Conf=$SLURM_CONF" \
        "Pool__Regions__${region}__Slurm__JobRoot=$DIR/jobs" \
        "Pool__Regions__${region}__Slurm__Partition=gpu" \
        dotnet run --project src/Portal.Web "$@"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    portal) shift; cmd_portal "$@" ;;
    *) echo "usage: $0 start|stop|status|portal (folder: PORTAL_SLURM_DIR, default /tmp/portal-slurm)" >&2; exit 2 ;;
esac
