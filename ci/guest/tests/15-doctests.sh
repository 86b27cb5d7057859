# The crates' documentation examples (ci/doctests.sh): kfiles_doctests runs
# each at load and prints KTAP to the kernel log; every example must report
# "ok", and the plan must match the lines that follow it.
. /lib.sh
T=doctest
# (ci/doctests/doctest.rs prints the plan, then "ok N NAME" or "not ok N NAME".)
dmesg -c >/dev/null
check_true $T.insmod insmod /modules/kfiles_doctests.ko
dmesg | sed -n 's/^.*kfiles_doctests: //p' >/tmp/doctests.ktap
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' /tmp/doctests.ktap)
results=$(grep -cE '^(not )?ok [0-9]+ ' /tmp/doctests.ktap)
check $T.plan "${plan:-none}" "$results"
# One KTEST line per example; a failure carries the assertion and error
# lines the example printed before its result.
awk '/^(not )?ok [0-9]+ / {
        if ($1 == "ok") print "KTEST ok doctest." $NF
        else print "KTEST FAIL doctest." $NF ": " (why == "" ? "failed" : why)
        why = ""
        next
    }
    /^assertion failed|^# / { why = why (why == "" ? "" : "; ") $0 }' /tmp/doctests.ktap
check_true $T.param test "$(cat /sys/module/kfiles_doctests/parameters/period_secs)" = 60
check_true $T.rmmod rmmod kfiles_doctests
# Every example removed what it created.
check_false $T.debugfs-gone test -e /sys/kernel/debug/kfiles-doctest
check_false $T.procfs-gone test -e /proc/kfiles-doctest
check_false $T.my-driver-gone test -e /sys/kernel/debug/my-driver
check_false $T.mydrv-gone test -e /proc/mydrv
