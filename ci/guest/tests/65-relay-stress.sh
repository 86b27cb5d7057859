# relay under load (kfio stress on relay_lab): writers pinned to every CPU
# write numbered, checksummed probe records without pause, a reader drains
# the channel at the same time, and every record must be read once and
# intact or counted as refused. Variants: timers reserving from softirq and
# hardirq context beside the task writers (refused on a task-only channel),
# another task flushing in a loop, relay-read as the reader, a driver
# header in every sub-buffer, overwrite mode.
# The same run on a C channel written with relay's own functions shows what
# relay-rs prevents.
. /lib.sh
T=stress
D=/sys/kernel/debug
L=$D/relay-lab
# Each run's length: every run writes hundreds of thousands of records
# across both CPUs, interrupts and flushes in it; twelve runs.
secs=3
[ $SLOW = 1 ] && secs=2
ncpu=$(grep -c '^processor' /proc/cpuinfo)

# field NAME LINE: the value of NAME=... in kfio stress's last line.
field() { echo "$2" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
verdict() { echo "$1" | tail -n 1 | cut -d' ' -f1; }
# stream_counts S OUT: "attempted refused read" of stream S.
stream_counts() { echo "$2" | sed -n "s/^stream $1 attempted \([0-9]*\) refused \([0-9]*\) read \([0-9]*\)$/\1 \2 \3/p"; }
report() { # NAME OUT: the verdict as a check, the summary as info
    echo "KTEST info $T.$1 $(echo "$2" | tail -n 1)"
    if [ "$(verdict "$2")" = ok ]; then ok "$T.$1"; else
        # Everything kfio and the reader said, for the log.
        echo "$2" | sed "s/^/KTEST info $T.$1.output /"
        fail "$T.$1" "$(echo "$2" | tail -n 1)"
    fi
}
timer_cpu=$((ncpu > 1 ? 1 : 0))

# A task-only channel: timers reserve from softirq (CPU 0) and hardirq
# (CPU 1) context while task writers run on every CPU. Every timer record is
# refused and counted; every task record reads back intact.
check_true $T.task-only.insmod insmod /modules/relay_lab.ko
out=$(kfio stress $L secs=$secs size=64 method=mix \
    timer=8:softirq:100:64:reserve@0 timer=9:hardirq:100:64:mix@$timer_cpu 2>&1)
report task-only.intact "$out"
for s in 8 9; do
    set -- $(stream_counts $s "$out")
    check_cmd $T.task-only.timer$s.refused yes sh -c "[ '${1:-0}' -gt 0 ] && [ '${1:-0}' = '${2:-x}' ] && [ '${3:-x}' = 0 ] && echo yes"
done
check_cmd $T.task-only.dropped "$(field refused "$out")" cat $L/dropped
check_true $T.task-only.rmmod rmmod relay_lab

# Any context: the timers' records are accepted and read back too.
check_true $T.any.insmod insmod /modules/relay_lab.ko task_only=0 n_subbufs=8
out=$(kfio stress $L secs=$secs size=64 method=mix \
    timer=8:softirq:100:64:reserve@0 timer=9:hardirq:100:64:mix@$timer_cpu 2>&1)
report any.intact "$out"
set -- $(stream_counts 8 "$out")
check_cmd $T.any.timer-ran yes sh -c "[ '${1:-0}' -gt 0 ] && echo yes"
check_true $T.any.rmmod rmmod relay_lab

# Another task flushes in a loop while the writers run.
check_true $T.flush.insmod insmod /modules/relay_lab.ko
out=$(kfio stress $L secs=$secs size=64 method=mix flush=1 2>&1)
report flush.intact "$out"
check_cmd $T.flush.flushed yes sh -c "[ '$(field flushes "$out")' -gt 10 ] && echo yes"
check_true $T.flush.rmmod rmmod relay_lab

# relay-read as the reader (per-CPU output, headers stripped).
check_true $T.relay-read.insmod insmod /modules/relay_lab.ko
out=$(kfio stress $L secs=$secs size=200 method=write reader=relay-read 2>&1)
report relay-read.intact "$out"
check_true $T.relay-read.rmmod rmmod relay_lab

# A driver header in every sub-buffer (driver_header=1), written by the hook
# in whatever context starts the sub-buffer (task, a hardirq timer, a
# flushing task): kfio's reader and relay-read skip it, and every record
# reads back once, intact.
check_true $T.driver-header.insmod insmod /modules/relay_lab.ko driver_header=1 task_only=0
out=$(kfio stress $L secs=$secs size=64 method=mix flush=1 \
    timer=9:hardirq:100:64:mix@$timer_cpu 2>&1)
report driver-header.intact "$out"
check_true $T.driver-header.rmmod rmmod relay_lab
check_true $T.driver-header.relay-read.insmod insmod /modules/relay_lab.ko driver_header=1
out=$(kfio stress $L secs=$secs size=200 method=write reader=relay-read 2>&1)
report driver-header.relay-read.intact "$out"
check_true $T.driver-header.relay-read.rmmod rmmod relay_lab

# One buffer for every CPU (Builder::global): task writers on every CPU,
# timers in softirq and hardirq context and a flushing task all go through
# the channel's lock into chan0; every record reads back once, intact.
check_true $T.global.insmod insmod /modules/relay_lab.ko global=1 task_only=0 n_subbufs=8
check_cmd $T.global.files chan0 sh -c "ls $L | grep '^chan'"
out=$(kfio stress $L secs=$secs size=64 method=mix flush=1 \
    timer=8:softirq:100:64:reserve@0 timer=9:hardirq:100:64:mix@$timer_cpu 2>&1)
report global.intact "$out"
set -- $(stream_counts 9 "$out")
check_cmd $T.global.timer-ran yes sh -c "[ '${3:-0}' -gt 0 ] && echo yes"
set -- $(stream_counts $((ncpu - 1)) "$out")
check_cmd $T.global.last-cpu-read yes sh -c "[ '${3:-0}' -gt 0 ] && echo yes"
check_cmd $T.global.dropped "$(field refused "$out")" cat $L/dropped
check_true $T.global.rmmod rmmod relay_lab
# The same with task-only writers (the lock still taken with interrupts
# off) and a flushing task.
check_true $T.global-task.insmod insmod /modules/relay_lab.ko global=1 n_subbufs=8
out=$(kfio stress $L secs=$secs size=64 method=mix flush=1 2>&1)
report global-task.intact "$out"
check_true $T.global-task.rmmod rmmod relay_lab

# Overwrite mode loses the oldest data by design, but nothing read may be
# duplicated, torn or invented.
check_true $T.overwrite.insmod insmod /modules/relay_lab.ko overwrite=1
out=$(kfio stress $L secs=$secs size=64 method=mix 2>&1)
echo "KTEST info $T.overwrite $(echo "$out" | tail -n 1)"
check $T.overwrite.clean "0 0 0 0" \
    "$(field dup "$out") $(field corrupt "$out") $(field bogus "$out") $(field dropped "$out")"
check_cmd $T.overwrite.read yes sh -c "[ '$(field records "$out")' -gt 0 ] && echo yes"
check_true $T.overwrite.rmmod rmmod relay_lab

# The C twin through the same helpers is as clean; written with relay's own
# functions (native=1), the same test measures what relay loses (recorded,
# not checked: relay's races decide). relay's own flush racing writers
# (docs/relay-races.md) can write outside the buffer and crash the guest, so
# that variant is not run here. The control: records skipped without being
# counted must be reported as lost.
check_true $T.c.insmod insmod /modules/relay_lab_c.ko
out=$(kfio stress $D/relay-lab-c secs=$secs size=64 method=mix flush=1 2>&1)
report c.helpers.intact "$out"
check_true $T.c.rmmod rmmod relay_lab_c
insmod /modules/relay_lab_c.ko native=1
out=$(kfio stress $D/relay-lab-c secs=$secs size=64 method=write 2>&1)
echo "KTEST info $T.c.native.plain $(echo "$out" | tail -n 1)"
rmmod relay_lab_c
check_true $T.c.control.insmod insmod /modules/relay_lab_c.ko lose_every=1000
out=$(kfio stress $D/relay-lab-c secs=$secs size=64 method=write 2>&1)
check_cmd $T.c.control bad verdict "$out"
check_cmd $T.c.control.lost yes sh -c "[ '$(field lost "$out")' -gt 0 ] && echo yes"
check_true $T.c.control.rmmod rmmod relay_lab_c
