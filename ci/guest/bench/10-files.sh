# Rust demo files against their C twins: the same operation timed on both in
# alternating rounds (kfio bench). Prints "BENCH name rust_ns c_ns ratio min max".
for m in debugfs_exam debugfs_exam_c procfs_exam procfs_exam_c seqfile_exam seqfile_exam_c; do
    insmod /modules/$m.ko
done
R=7
D=/sys/kernel/debug
b() { kfio bench "$@" || echo "BENCH-ERROR $1"; }
b debugfs.u32.read read:4096 $D/debugfs-exam/u32_var $D/debugfs-exam-c/u32_var $R 3000
b debugfs.u32.write write:123456 $D/debugfs-exam/u32_var $D/debugfs-exam-c/u32_var $R 3000
b debugfs.bool.write write:1 $D/debugfs-exam/bool_var $D/debugfs-exam-c/bool_var $R 3000
# A custom-formatted debugfs file: relay_exam's stats (a ReadCallback with
# seq_print!) against the C twin's (a show function with seq_printf()).
insmod /modules/relay_exam.ko period_secs=0
insmod /modules/relay_exam_c.ko period_secs=0
b debugfs.custom.read read:4096 $D/relay-exam/stats $D/relay-exam-c/stats $R 3000
rmmod relay_exam relay_exam_c
b procfs.aint.read read:4096 /proc/myproctest/aint /proc/myproctest_c/aint $R 3000
b procfs.aint.write write:-12345 /proc/myproctest/aint /proc/myproctest_c/aint $R 3000
b procfs.astring.write 'write:hello world\n' /proc/myproctest/astring /proc/myproctest_c/astring $R 3000
b procfs.bigprocfile.write-4k fill:4096:65536 /proc/myproctest/bigprocfile /proc/myproctest_c/bigprocfile $R 300
b procfs.bigprocfile.read-4k read:4096 /proc/myproctest/bigprocfile /proc/myproctest_c/bigprocfile $R 300
b procfs.bigprocfile.write-1b fill:1:65536 /proc/myproctest/bigprocfile /proc/myproctest_c/bigprocfile $R 2
b procfs.bigprocfile.read-1b read:1 /proc/myproctest/bigprocfile /proc/myproctest_c/bigprocfile $R 2
b seqfile.list.read-4k read:4096 /proc/exam_seq_file /proc/exam_seq_file_c $R 300
b seqfile.list.read-128k read:131072 /proc/exam_seq_file /proc/exam_seq_file_c $R 300
b seqfile.single.read read:4096 /proc/exam_seq_single /proc/exam_seq_single_c $R 1000
b seqfile.records.cat exec:'cat {} >/dev/null' /proc/exam_seq_records /proc/exam_seq_records_c $R 3
b seqfile.records.read-4k read:4096 /proc/exam_seq_records /proc/exam_seq_records_c $R 3
for m in debugfs_exam debugfs_exam_c procfs_exam procfs_exam_c seqfile_exam seqfile_exam_c; do
    rmmod $m
done
