#!/usr/bin/env bash
# The test command: on a fresh Debian machine with only the .NET SDK, installs what the tests need,
# builds once, runs the unit/integration tests on SQLite and on a throwaway PostgreSQL, the Slurm tests
# (Trait Pool=Slurm) against a small real Slurm cluster, then the browser tests in Debian's Chromium. Its last line is always "N passed, N failed".
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$(pwd)
RESULTS="$REPO_ROOT/artifacts/test-results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Browsers come from Debian; Playwright must never fetch its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

source "$REPO_ROOT/scripts/lib/throwaway-postgres.sh"
source "$REPO_ROOT/scripts/lib/trx-counts.sh"
source "$REPO_ROOT/scripts/lib/test-slurm-cluster.sh"

TIMINGS=()
PROBLEMS=()
# Test runs that crashed, hung or could not start: each counts as one failed test in the closing line,
# since their unfinished tests appear in no TRX counter.
BROKEN_RUNS=0
phase_started=0
phase_start() { phase_started=$SECONDS; echo; echo "=== $1"; }
phase_end() {
    local took=$((SECONDS - phase_started))
    TIMINGS+=("$(printf '%-28s %4ss' "$1" "$took")")
    echo "=== $1: ${took}s"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "need root (or sudo) to run: $*" >&2; return 1
    fi
}

# Prints the timings and the closing count line, and exits: non-zero unless every test ran and passed.
finish() {
    stop_throwaway_postgres
    stop_test_slurm
    local passed=0 failed=0
    read -r passed failed < <(sum_trx_counts "$RESULTS")
    failed=$((failed + BROKEN_RUNS))
    echo
    echo "=== timings"
    printf '  %s\n' "${TIMINGS[@]}"
    # The failed tests again, at the end where a truncated CI log still shows them.
    local log
    for log in "$RESULTS"/*/console.log; do
        [ -f "$log" ] || continue
        if grep -q -E '^\s+Failed [A-Z][A-Za-z0-9_]*\.' "$log"; then
            echo "=== failed in $(basename "$(dirname "$log")")"
            grep -A 12 -E '^\s+Failed [A-Z][A-Za-z0-9_]*\.' "$log" | grep -v -E '^\s*(info|dbug|trce):' | cut -c 1-400 | head -n 60
        fi
    done
    if [ ${#PROBLEMS[@]} -gt 0 ]; then
        echo "=== problems"
        printf '  %s\n' "${PROBLEMS[@]}"
    fi
    local status=0
    if [ ${#PROBLEMS[@]} -gt 0 ] || [ "$failed" -gt 0 ] || [ $((passed + failed)) -eq 0 ]; then status=1; fi
    echo "$passed passed, $failed failed"
    exit $status
}
trap 'stop_throwaway_postgres; stop_test_slurm' EXIT
trap 'PROBLEMS+=("interrupted"); finish' INT TERM

phase_start "system packages"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt_install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; }
    # The package lists may be missing or stale on a fresh machine: refresh them only if needed.
    apt_install || { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q && apt_install; } \
        || PROBLEMS+=("apt-get install ${missing[*]} failed")
else
    echo "chromium and postgresql already installed"
fi
phase_end "system packages"

phase_start "restore"
dotnet tool restore && dotnet restore Portal.sln || { PROBLEMS+=("restore failed"); phase_end "restore"; finish; }
phase_end "restore"

phase_start "build (Release)"
dotnet build Portal.sln -c Release --no-restore -nologo -clp:ErrorsOnly \
    || { PROBLEMS+=("build failed"); phase_end "build (Release)"; finish; }
phase_end "build (Release)"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# run_tests NAME PROJECT [FILTER]: one `dotnet test` of the built project (only the tests FILTER matches),
# results in artifacts/test-results/NAME.
run_tests() {
    local name=$1 project=$2 filter=${3:-}
    phase_start "tests: $name"
    if [ ! -d "$project" ]; then
        PROBLEMS+=("$name: $project does not exist"); BROKEN_RUNS=$((BROKEN_RUNS + 1))
    else
        mkdir -p "$RESULTS/$name"
        # A test that hangs for 3 minutes is ended (and counted as failed) instead of eating CI's time.
        dotnet test "$project" -c Release --no-build --nologo ${filter:+--filter "$filter"} \
            --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
            --results-directory "$RESULTS/$name" \
            --blame-hang-timeout 3m --blame-hang-dump-type none 2>&1 | tee "$RESULTS/$name/console.log"
        local rc=${PIPESTATUS[0]}
        local counts
        counts=$(sum_trx_counts "$RESULTS/$name")
        # No results, or a non-zero exit with no failed test, means the run itself broke (crash, killed, ...).
        # A filter that matches no test (yet) is not broken: dotnet test says so and exits 0.
        if [ "$rc" -eq 0 ] && grep -q "No test matches the given testcase filter" "$RESULTS/$name/console.log"; then
            echo "--- $name: no test matches $filter"
        elif ! compgen -G "$RESULTS/$name/*.trx" >/dev/null; then
            PROBLEMS+=("$name: dotnet test exited $rc and wrote no results: the run did not complete"); BROKEN_RUNS=$((BROKEN_RUNS + 1))
        elif [ "$rc" -ne 0 ] && [ "${counts#* }" -eq 0 ]; then
            PROBLEMS+=("$name: dotnet test exited $rc without a failed test: the run did not complete (a test hung or the test host crashed)")
            BROKEN_RUNS=$((BROKEN_RUNS + 1))
        fi
        echo "--- $name: ${counts% *} passed, ${counts#* } failed (exit $rc)"
    fi
    phase_end "tests: $name"
}

run_tests simulator tests/GpuPool.Simulator.Tests
run_tests sqlite tests/Portal.Tests "Pool!=Slurm"

# The Slurm integration tests mostly wait on Slurm (scheduling, one-minute time limits), so they run in the
# background beside the PostgreSQL phase; their outcome comes back through a file, their log after it.
phase_start "slurm cluster start"
SLURM_UP=0
if start_test_slurm; then SLURM_UP=1; else
    PROBLEMS+=("the Slurm cluster did not start: the Slurm tests did not run"); BROKEN_RUNS=$((BROKEN_RUNS + 1))
fi
phase_end "slurm cluster start"
SLURM_BG_STATE="$RESULTS/slurm-background.state"
SLURM_BG_LOG="$RESULTS/slurm-background.log"
slurm_pid=""
if [ "$SLURM_UP" -eq 1 ]; then
    (
        TIMINGS=() PROBLEMS=() BROKEN_RUNS=0
        PORTAL_TEST_SLURM="$TEST_SLURM" run_tests slurm tests/Portal.Tests "Pool=Slurm"
        { declare -p TIMINGS PROBLEMS; echo "BROKEN_RUNS=$BROKEN_RUNS"; } | sed 's/^declare -a/declare -ga/' > "$SLURM_BG_STATE"
    ) > "$SLURM_BG_LOG" 2>&1 &
    slurm_pid=$!
fi

phase_start "postgresql start"
if start_throwaway_postgres; then
    phase_end "postgresql start"
    PORTAL_TEST_POSTGRES="$THROWAWAY_POSTGRES" run_tests postgresql tests/Portal.Tests "Pool!=Slurm"
    stop_throwaway_postgres
else
    PROBLEMS+=("the throwaway PostgreSQL did not start: the PostgreSQL tests did not run"); BROKEN_RUNS=$((BROKEN_RUNS + 1))
    phase_end "postgresql start"
fi

if [ -n "$slurm_pid" ]; then
    phase_start "slurm tests (ran beside postgresql)"
    wait "$slurm_pid"
    cat "$SLURM_BG_LOG"
    if [ -f "$SLURM_BG_STATE" ]; then
        main_timings=("${TIMINGS[@]}") main_problems=("${PROBLEMS[@]}") main_broken=$BROKEN_RUNS
        source "$SLURM_BG_STATE"
        TIMINGS=("${main_timings[@]}" "${TIMINGS[@]}")
        PROBLEMS=("${main_problems[@]}" "${PROBLEMS[@]}")
        BROKEN_RUNS=$((main_broken + BROKEN_RUNS))
    else
        PROBLEMS+=("slurm: the background test run ended without reporting"); BROKEN_RUNS=$((BROKEN_RUNS + 1))
    fi
    phase_end "slurm tests (ran beside postgresql)"
    # The Slurm journeys in Chromium run alone: a browser beside a busy test run is what flakes.
    PORTAL_TEST_SLURM="$TEST_SLURM" run_tests slurm-browser tests/Portal.BrowserTests "Pool=Slurm"
fi
phase_start "slurm cluster stop"
stop_test_slurm "$RESULTS/slurm"
phase_end "slurm cluster stop"

run_tests browser tests/Portal.BrowserTests "Pool!=Slurm"

finish
