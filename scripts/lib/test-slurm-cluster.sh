# shellcheck shell=bash
# The Slurm cluster of the test run: scripts/slurm-cluster.sh in its own temp folder and on its own ports, so a
# developer's cluster at /tmp/portal-slurm (default ports) keeps running beside it. Sourced by scripts/test.sh.
#   start_test_slurm  sets TEST_SLURM to the cluster folder (for PORTAL_TEST_SLURM); prints how long the start took
#   stop_test_slurm   stops it, keeps its logs under $1 (when given) and deletes the folder; safe to call more than once

TEST_SLURM=""
TEST_SLURM_CTLD_PORT=17100   # slurmd on the next four ports

test_slurm() {
    PORTAL_SLURM_DIR="$TEST_SLURM" PORTAL_SLURMCTLD_PORT=$TEST_SLURM_CTLD_PORT \
        PORTAL_SLURMD_PORT=$((TEST_SLURM_CTLD_PORT + 1)) "$REPO_ROOT/scripts/slurm-cluster.sh" "$@"
}

start_test_slurm() {
    local began took leftover
    # A run that was killed outright left its cluster running on our ports: stop it by its pid files.
    for leftover in /tmp/portal-slurm-test.*; do
        [ -f "$leftover/etc/slurm.conf" ] || continue
        TEST_SLURM=$leftover test_slurm stop && rm -rf "$leftover"
    done
    began=${EPOCHREALTIME/./}
    TEST_SLURM=$(mktemp -d /tmp/portal-slurm-test.XXXXXX)
    test_slurm start || return 1
    took=$(( (${EPOCHREALTIME/./} - began) / 100000 ))
    echo "slurm cluster start: $((took / 10)).$((took % 10))s"
}

stop_test_slurm() {
    [ -n "$TEST_SLURM" ] || return 0
    test_slurm stop
    if [ -n "${1:-}" ] && [ -d "$TEST_SLURM/log" ]; then
        mkdir -p "$1" && cp -r "$TEST_SLURM/log" "$1/slurm-logs"
    fi
    rm -rf "$TEST_SLURM"
    TEST_SLURM=""
}
