# Helpers for guest test scripts (sourced). A test script prints one
# "KTEST ok NAME" or "KTEST FAIL NAME: why" line per check; the host harness
# (ci/qemu-run.sh) counts them. NAME should be unique within the run.

ok() { echo "KTEST ok $1"; }
fail() { echo "KTEST FAIL $1: $2"; }

# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# check_cmd NAME EXPECTED COMMAND...: compares the command's stdout (trailing
# newlines stripped, as $(...) does).
check_cmd() {
    name=$1 want=$2
    shift 2
    got=$("$@" 2>&1)
    check "$name" "$want" "$got"
}

# check_true NAME COMMAND...: passes when the command succeeds.
check_true() {
    name=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "'$*' failed"; fi
}

# check_false NAME COMMAND...: passes when the command fails.
check_false() {
    name=$1
    shift
    if "$@" >/dev/null 2>&1; then fail "$name" "'$*' succeeded"; else ok "$name"; fi
}

# SLOW=1 on debug kernels (KASAN, lockdep, ... under TCG run several times
# slower): the heaviest tests scale their sizes down, never their checks.
SLOW=0
[ -e /slow ] && SLOW=1

# Runs a command as the unprivileged user "nobody".
as_nobody() { kfio as 65534 "$@"; }
