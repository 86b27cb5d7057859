# Security sweeps over every demo file, Rust and C: an unprivileged user can
# open for reading exactly what is world-readable and for writing exactly what
# is world-writable (debugfs's root is opened up to 0755 for the check, so
# that the files' own modes decide); no file takes an overlong write beyond
# its bound; no output shows a kernel address.
. /lib.sh
T=security
mods="debugfs_exam procfs_exam seqfile_exam relay_exam debugfs_exam_c procfs_exam_c seqfile_exam_c relay_exam_c"
for m in $mods; do
    case $m in relay_exam*) args=period_secs=0 ;; *) args= ;; esac
    check_true $T.insmod.$m insmod /modules/$m.ko $args
done
D=/sys/kernel/debug
roots="/proc/myproctest /proc/myproctest_c /proc/exam_seq_file /proc/exam_seq_single /proc/exam_seq_records
    /proc/exam_seq_file_c /proc/exam_seq_single_c /proc/exam_seq_records_c
    $D/debugfs-exam $D/debugfs-exam-c $D/relay-exam $D/relay-exam-c"
echo 1 >$D/relay-exam/snapshot
echo 1 >$D/relay-exam-c/snapshot
mode=$(stat -c %a $D)
chmod 755 $D
out=$(kfio as 65534 kfio sweep access $roots)
check_cmd $T.access "ok" sh -c "echo '$out' | tail -n 1 | cut -d' ' -f1"
echo "KTEST info $T.access $(echo "$out" | tail -n 1)"
echo "$out" | grep -v '^ok ' | head -n 5
chmod "$mode" $D
check_cmd $T.debugfs-root-restored "$mode" stat -c %a $D
out=$(kfio sweep overlong $roots)
check_cmd $T.overlong "ok" sh -c "echo '$out' | tail -n 1 | cut -d' ' -f1"
echo "$out" | grep -v '^ok ' | head -n 5
out=$(kfio sweep addresses $roots)
check_cmd $T.no-kernel-addresses "ok" sh -c "echo '$out' | tail -n 1 | cut -d' ' -f1"
echo "$out" | grep -v '^ok ' | head -n 5
for m in $mods; do
    check_true $T.rmmod.$m rmmod $m
done
