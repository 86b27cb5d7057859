# The template driver (modules/kfiles_template) and its C twin
# (kfiles_template_c): the same checks, with the same expected output, on
# both. Shared state (a threshold and counters seen by several files), a
# per-open cursor on a blocking, pollable stream, binary content at random
# offsets; then unloading with a reader blocked in read() and, for the Rust
# driver, pollers asleep in poll() and epoll.
. /lib.sh
T=template
seed=$(($(date +%s) % 1000000))
echo "KTEST-SEED $seed"
for m in kfiles_template kfiles_template_c; do
    check_true $T.insmod.$m insmod /modules/$m.ko
done

# One read() of a descriptor already open on FD (a shell redirection).
read_once() { dd bs=4096 count=1 status=none; }

template_checks() { # NAME PROC_DIR DEBUGFS_DIR
    n=$T.$1 P=$2 D=$3
    # Nothing recorded yet: a non-blocking read and pollers find nothing.
    check_cmd $n.events.nonblock-empty EAGAIN kfio read-nb $P/events
    check_cmd $n.events.poll-timeout timeout kfio poll $P/events in 200
    check_cmd $n.events.epoll-timeout timeout kfio epoll $P/events in 200
    # A blocked reader, a poll() and an epoll, all woken by one sample above
    # the threshold.
    read_once <$P/events >/tmp/$1.blocked &
    r=$!
    kfio poll $P/events in 10000 >/tmp/$1.poll &
    p=$!
    kfio epoll $P/events in 10000 >/tmp/$1.epoll &
    e=$!
    usleep 300000
    check_cmd $n.events.asleep yes sh -c "kill -0 $r && kill -0 $p && kill -0 $e && echo yes"
    check_true $n.sample.above sh -c "echo 150 > $P/sample"
    wait $r $p $e
    check_cmd $n.events.woken "0 150" cat /tmp/$1.blocked
    check_cmd $n.events.poll-woken IN cat /tmp/$1.poll
    check_cmd $n.events.epoll-woken IN cat /tmp/$1.epoll
    # The threshold: parsed as kstrtou32(.., 0, ..); bad input changes
    # nothing.
    check_cmd $n.threshold 100 cat $P/threshold
    check_cmd $n.threshold.garbage EINVAL kfio write $P/threshold 12x
    check_cmd $n.threshold.range ERANGE kfio write $P/threshold 4294967296
    check_cmd $n.threshold.offset EINVAL kfio write $P/threshold 5 1
    check_cmd $n.threshold.kept 100 cat $P/threshold
    check_cmd $n.threshold.hex "ok 5" kfio write $P/threshold 0x100
    check_cmd $n.threshold.set 256 cat $P/threshold
    # Samples: 200 is below the threshold now, 0x101 (257) above.
    check_true $n.sample.below sh -c "echo 200 > $P/sample"
    check_true $n.sample.hex sh -c "echo 0x101 > $P/sample"
    check_cmd $n.sample.garbage EINVAL kfio write $P/sample abc
    check_cmd $n.sample.overlong EINVAL kfio write $P/sample 00000000000000001
    check_cmd $n.sample.unreadable EIO kfio read $P/sample
    check_cmd $n.stats "samples 3
events 2" cat $D/stats
    check_cmd $n.sample.nobody EACCES as_nobody kfio write $P/sample 1
    # Two open files, two cursors: each reads every event once, in order.
    exec 3<$P/events 4<$P/events
    check_cmd $n.cursor.first "0 150
1 257" read_once <&3
    check_true $n.sample.more sh -c "echo 300 > $P/sample"
    check_cmd $n.cursor.first-next "2 300" read_once <&3
    check_cmd $n.cursor.second "0 150
1 257
2 300" read_once <&4
    exec 3<&- 4<&-
    # A stream: no positions; a buffer too small for a line is refused.
    check_cmd $n.events.pread ESPIPE kfio read $P/events 4096 5
    check_cmd $n.events.lseek ESPIPE kfio seek $P/events 0 set
    check_cmd $n.events.small-buffer yes sh -c "dd bs=8 count=1 status=none <$P/events 2>&1 | grep -q 'Invalid argument' && echo yes"
    # The ring keeps the last 64 events: a new reader starts at the oldest.
    i=0
    while [ $i -lt 70 ]; do
        echo $((1000 + i)) >$P/sample
        i=$((i + 1))
    done
    check_cmd $n.ring.oldest "9 1006" sh -c "dd bs=4096 count=1 status=none <$P/events | head -n 1"
    check_cmd $n.ring.kept 64 sh -c "dd bs=4096 count=1 status=none <$P/events | wc -l"
    check_cmd $n.stats.after "samples 74
events 73" cat $D/stats
    # The register image: 64 bytes, 0x00..0x3f at load; lseek() within
    # 0..=64, SEEK_END from 64; writes at the end fail with ENOSPC; random
    # reads and writes at random offsets and sizes read back.
    check_cmd $n.regs.size 64 sh -c "wc -c <$D/regs"
    check_cmd $n.regs.initial "0a0b0c0d" sh -c "dd if=$D/regs bs=1 skip=10 count=4 status=none | od -An -tx1 | tr -d ' \n'"
    check_cmd $n.regs.seek-end "ok 63" kfio seek $D/regs -1 end
    check_cmd $n.regs.seek-at-end "ok 64" kfio seek $D/regs 64 set
    check_cmd $n.regs.seek-past EINVAL kfio seek $D/regs 65 set
    check_cmd $n.regs.seek-before EINVAL kfio seek $D/regs -65 end
    check_cmd $n.regs.pwrite-end ENOSPC kfio pwrite $D/regs x 64
    check_cmd $n.regs.pwrite-far ENOSPC kfio pwrite $D/regs x 4096
    check_cmd $n.regs.pwrite-tail "ok 2" kfio pwrite $D/regs 'abcd' 62
    check_cmd $n.regs.read-tail "ab" kfio read $D/regs 16 62
    check_cmd $n.regs.round-trip "ok 3000 seed=$seed" kfio binary $D/regs 64 $seed 3000
    check_cmd $n.regs.nobody EACCES as_nobody kfio read $D/regs
}

template_checks rust /proc/kfiles_template /sys/kernel/debug/kfiles_template
template_checks c /proc/kfiles_template_c /sys/kernel/debug/kfiles_template_c

# The same random operations on both drivers' files give the same results
# (the threshold as any u32 file; samples; the register image), and leave
# the same events, counters and registers behind.
P=/proc/kfiles_template PC=/proc/kfiles_template_c
D=/sys/kernel/debug/kfiles_template DC=/sys/kernel/debug/kfiles_template_c
same() { # NAME KIND A B OPS
    got=$(kfio diff "$2" "$3" "$4" "$seed" "$5")
    case $got in "ok "*) ok "$T.diff.$1" ;; *) fail "$T.diff.$1" "$got" ;; esac
}
same threshold attr $P/threshold $PC/threshold 300
same sample attr $P/sample $PC/sample 300
same regs binary $D/regs $DC/regs 400
check_cmd $T.diff.stats "$(cat $DC/stats)" cat $D/stats
check_cmd $T.diff.events "$(dd bs=4096 count=1 status=none <$PC/events)" \
    sh -c "dd bs=4096 count=1 status=none <$P/events"
check_true $T.diff.regs cmp $D/regs $DC/regs

# Unloading with a reader blocked in read() (both drivers: it fails, the
# unload ends) and, for the Rust driver, a poll() for POLLPRI only and an
# epoll asleep (woken; the C twin's queue would be freed under them, the
# bug the file core's own poll queue avoids).
unload() { # NAME MODULE PROC_DIR POLLERS
    exec 5<$3/events
    dd bs=4096 count=1 status=none <&5 >/dev/null # drain: the next read blocks
    read_once <&5 >/tmp/$1.unload 2>&1 &
    local waiters=$!
    if [ "$4" = pollers ]; then
        kfio poll $3/events pri -1 >/tmp/$1.unload.poll &
        waiters="$waiters $!"
        kfio epoll $3/events in -1 all >/tmp/$1.unload.epoll &
        waiters="$waiters $!"
    fi
    exec 5<&-
    usleep 300000
    check_cmd $T.$1.unload.asleep yes sh -c "for w in $waiters; do kill -0 \$w || exit; done; echo yes"
    check_true $T.$1.unload.rmmod rmmod $2
    wait $waiters
    check_false $T.$1.unload.gone test -e $3
    check_cmd $T.$1.unload.reader yes sh -c "grep -q 'Input/output error' /tmp/$1.unload && echo yes"
    if [ "$4" = pollers ]; then
        check_cmd $T.$1.unload.poll PRI,ERR,HUP cat /tmp/$1.unload.poll
        check_cmd $T.$1.unload.epoll yes sh -c "grep -qx 'IN\(,ERR,HUP\)\?' /tmp/$1.unload.epoll && echo yes"
    fi
}
unload rust kfiles_template /proc/kfiles_template pollers
unload c kfiles_template_c /proc/kfiles_template_c none
