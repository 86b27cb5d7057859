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

for m in debugfs_exam debugfs_exam_c procfs_exam procfs_exam_c seqfile_exam seqfile_exam_c; do
    check_true "$T.rmmod.$m" rmmod $m
done
