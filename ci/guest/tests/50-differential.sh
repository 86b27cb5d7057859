# Differential tests: the same seeded random operations (malformed and
# overlong writes, odd offsets, pwrite, reads of every block size) on each
# Rust demo file and its C twin must give the same bytes and errnos.
# Replay a failure with the printed seed: kfio diff KIND A B SEED OPS.
. /lib.sh
T=diff
seed=$(($(date +%s) % 1000000))
echo "KTEST-SEED $seed"

for m in debugfs_exam debugfs_exam_c procfs_exam procfs_exam_c seqfile_exam seqfile_exam_c; do
    check_true "$T.insmod.$m" insmod /modules/$m.ko
done

same() { # NAME KIND A B OPS
    got=$(kfio diff "$2" "$3" "$4" "$seed" "$5")
    case $got in "ok "*) ok "$T.$1" ;; *) fail "$T.$1" "$got" ;; esac
}
D=/sys/kernel/debug
for f in u8_var u16_var u32_var bool_var; do
    same "debugfs.$f" attr $D/debugfs-exam/$f $D/debugfs-exam-c/$f 400
done
for f in aint astring; do
    same "procfs.$f" attr /proc/myproctest/$f /proc/myproctest_c/$f 400
done
same procfs.bigprocfile buffer /proc/myproctest/bigprocfile /proc/myproctest_c/bigprocfile 150
# Control: files that do differ (u8 against u16) must be told apart.
got=$(kfio diff attr $D/debugfs-exam/u8_var $D/debugfs-exam-c/u16_var "$seed" 400)
case $got in "differ "*) ok $T.control ;; *) fail $T.control "u8 and u16 looked the same: $got" ;; esac
check_cmd $T.procfs.symlink "$(readlink /proc/myproctest_c/aint_link)" readlink /proc/myproctest/aint_link

# The process listings: identical but for the reading processes themselves
# and kernel workers that may come and go between the two reads.
filter() { grep -v -E '^(cat|kworker)' "$1"; }
cat /proc/exam_seq_file >/tmp/rust.list
cat /proc/exam_seq_file_c >/tmp/c.list
filter /tmp/rust.list >/tmp/rust.flist
filter /tmp/c.list >/tmp/c.flist
check_true $T.seqfile.listing cmp /tmp/rust.flist /tmp/c.flist
check_cmd $T.seqfile.single "$(cat /proc/exam_seq_single_c)" cat /proc/exam_seq_single
check_true $T.seqfile.records cmp /proc/exam_seq_records /proc/exam_seq_records_c
# (Each operation rereads both 2.4 MB files.)
same seqfile.records attr /proc/exam_seq_records /proc/exam_seq_records_c $([ $SLOW = 1 ] && echo 3 || echo 20)

for m in debugfs_exam debugfs_exam_c procfs_exam procfs_exam_c seqfile_exam seqfile_exam_c; do
    check_true "$T.rmmod.$m" rmmod $m
done

# relay: the same control writes on relay_lab's channel and its C twin's
# (which writes through the same helpers), all on CPU 0, then the same
# records in both channels, the same drops and the same sub-buffer counts. A
# no-overwrite channel of 8 x 4096 bytes fills within the run. Once without
# and once with a driver header (driver_header=1: 8 bytes after each
# sub-buffer header, the CPU and the sub-buffer's number).
same_cpu0() { # NAME KIND A B OPS
    got=$(taskset 1 kfio diff "$2" "$3" "$4" "$seed" "$5")
    case $got in "ok "*) ok "$T.$1" ;; *) fail "$T.$1" "$got" ;; esac
}
for dh in 0 1; do
    T=diff$([ $dh = 1 ] && echo .driver-header)
    for m in relay_lab relay_lab_c; do
        check_true "$T.insmod.$m" insmod /modules/$m.ko n_subbufs=8 driver_header=$dh
    done
    R=$D/relay-lab RC=$D/relay-lab-c
    same_cpu0 relay.burst burst $R/burst $RC/burst 300
    same_cpu0 relay.flush attr $R/flush $RC/flush 100
    same_cpu0 relay.burst-after-flush burst $R/burst $RC/burst 100
    # (`refused` is the Rust lab's own: Channel::stats and is_full; so is
    # the session channel, for Channel::reset, tested in 62-relay-read.)
    check_cmd $T.relay.files "$(ls $RC)" sh -c "ls $R | grep -vxE 'refused|session-ctl|session[0-9]+'"
    check_cmd $T.relay.dropped "$(cat $RC/dropped)" cat $R/dropped
    check_cmd $T.relay.stats "$(cat $RC/stats)" cat $R/stats
    # Byte for byte, headers included (every write ran on CPU 0).
    mkdir -p /tmp/relay-rust /tmp/relay-c
    cat $R/chan0 >/tmp/relay-rust/chan0
    cat $RC/chan0 >/tmp/relay-c/chan0
    check_true $T.relay.raw cmp /tmp/relay-rust/chan0 /tmp/relay-c/chan0
    # The flags of sub-buffer 0's header: the driver header's length << 8.
    check_cmd $T.relay.flags $((dh * 8 * 256)) sh -c "od -An -tu4 -j 20 -N 4 /tmp/relay-rust/chan0 | tr -d ' '"
    check_cmd $T.relay.raw-size yes sh -c "[ \$(wc -c </tmp/relay-rust/chan0) -gt 4096 ] && echo yes"
    check_true $T.relay.decodes relay-read -q -o /dev/null /tmp/relay-c/chan
    # Probe streams, refused alike once the buffers are full.
    taskset 1 sh -c "echo '3 500 100 mix' >$R/stream; echo '3 500 100 mix' >$RC/stream"
    check_cmd $T.relay.streams "$(cat $RC/streams)" cat $R/streams
    cat $R/chan0 >/tmp/relay-rust/chan0
    cat $RC/chan0 >/tmp/relay-c/chan0
    check_true $T.relay.raw-streams cmp /tmp/relay-rust/chan0 /tmp/relay-c/chan0
    for m in relay_lab relay_lab_c; do
        check_true "$T.rmmod.$m" rmmod $m
    done
done
T=diff

# The relay demo and its twin: the same control files, the same snapshots.
for m in relay_exam relay_exam_c; do
    check_true "$T.insmod.$m" insmod /modules/$m.ko period_secs=0
done
R=$D/relay-exam RC=$D/relay-exam-c
check_cmd $T.relay-exam.files "$(ls $RC)" ls $R
same_cpu0 relay-exam.flush attr $R/flush $RC/flush 100
same_cpu0 relay.snapshot-control attr $R/snapshot $RC/snapshot 100
relay-read -q $R/example >/dev/null
relay-read -q $RC/example >/dev/null
echo 1 >$R/snapshot
echo 1 >$RC/snapshot
filter() { grep -v -E '^(kworker|relay-read)' "$1"; }
relay-read -q $R/example >/tmp/relay.rust
relay-read -q $RC/example >/tmp/relay.c
filter /tmp/relay.rust >/tmp/relay.rust.f
filter /tmp/relay.c >/tmp/relay.c.f
check_true $T.relay.snapshot cmp /tmp/relay.rust.f /tmp/relay.c.f
check_cmd $T.relay-exam.stats "$(cat $RC/stats)" cat $R/stats
for m in relay_exam relay_exam_c; do
    check_true "$T.rmmod.$m" rmmod $m
done
