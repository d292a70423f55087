# shellcheck shell=bash
# Adds up the <Counters .../> of every TRX file under a folder, in plain bash (no python on a fresh
# machine). Prints "PASSED FAILED"; errors, timeouts and aborts count as failed. Sourced by scripts/test.sh.

# trx_counter FILE NAME: the value of attribute NAME of the file's <Counters> element (0 when absent).
trx_counter() {
    local value
    value=$(tr -d '\r\n' < "$1" | grep -o '<Counters [^>]*>' | grep -o " $2=\"[0-9]*\"" | head -n 1 | grep -o '[0-9]\+')
    echo "${value:-0}"
}

sum_trx_counts() {
    local folder=$1 passed=0 failed=0 file name
    while IFS= read -r -d '' file; do
        passed=$((passed + $(trx_counter "$file" passed)))
        for name in failed error timeout aborted; do
            failed=$((failed + $(trx_counter "$file" "$name")))
        done
    done < <(find "$folder" -name '*.trx' -print0 2>/dev/null)
    echo "$passed $failed"
}
