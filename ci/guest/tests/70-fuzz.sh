# The in-guest fuzzer (kfio fuzz): random reads, writes, pread/pwrite, lseek,
# mmap, poll and epoll on every demo file, Rust and C, and on the selftest
# module's, the template driver's and kfiles_cover's files (per-open state,
# blocking reads, poll, binary content and blobs included, and their /proc/net
# files in the initial namespace; not the template's
# C twin, whose pollers would outlive its queue at unload), from
# four processes, while a fifth unloads and loads the modules; then every
# demo's invariants. The
# harness fails the run on any kernel report (and, on debug kernels, on any
# leak kmemleak finds once everything is unloaded).
. /lib.sh
T=fuzz
secs=$(cat /fuzz_secs 2>/dev/null || echo 20)
seed=$(cat /fuzz_seed 2>/dev/null || echo $(($(date +%s) % 1000000)))
echo "KTEST-SEED $seed"
mods="debugfs_exam procfs_exam seqfile_exam relay_exam debugfs_exam_c procfs_exam_c seqfile_exam_c relay_exam_c kfiles_selftest kfiles_template kfiles_cover kfiles_cover_c"
for m in $mods; do
    check_true $T.insmod.$m insmod /modules/$m.ko
done
D=/sys/kernel/debug
churn=$(for m in $mods; do printf '/modules/%s.ko,' $m; done | sed 's/,$//')
out=$(kfio fuzz $seed $secs 4 "$churn" /proc/myproctest /proc/myproctest_c /proc/exam_seq_file \
    /proc/exam_seq_single /proc/exam_seq_records /proc/exam_seq_file_c /proc/exam_seq_single_c \
    /proc/exam_seq_records_c $D/debugfs-exam $D/debugfs-exam-c $D/relay-exam $D/relay-exam-c \
    /proc/kfiles_selftest $D/kfiles_selftest /proc/kfiles_template $D/kfiles_template \
    $D/kfiles_cover $D/kfiles_cover_c /proc/1/net/kfiles_cover_ns /proc/1/net/kfiles_cover_level \
    /proc/1/net/kfiles_cover_dir /proc/1/net/kfiles_cover_c_ns /proc/1/net/kfiles_cover_c_level \
    /proc/1/net/kfiles_cover_c_dir 2>&1)
echo "KTEST info $T.summary $out"
ops=$(echo "$out" | sed -n 's/.*operations \([0-9]*\) .*/\1/p')
check_cmd $T.ran yes sh -c "[ '${ops:-0}' -gt 1000 ] && echo yes"
cycles=$(echo "$out" | sed -n 's/.*load-unload-cycles \([0-9]*\) .*/\1/p')
check_cmd $T.churned yes sh -c "[ '${cycles:-0}' -gt 0 ] && echo yes"

# Whatever the churn left unloaded comes back; then the invariants.
for m in $mods; do
    grep -q "^$m " /proc/modules || insmod /modules/$m.ko
done
check_cmd $T.all-loaded 8 sh -c "grep -c -E '^(debugfs|procfs|seqfile|relay)_exam(_c)? ' /proc/modules"
for p in myproctest myproctest_c; do
    check_cmd $T.$p.aint yes sh -c "grep -q -E '^-?[0-9]+\$' /proc/$p/aint && echo yes"
    check_true $T.$p.aint.write kfio write /proc/$p/aint 42
    check_cmd $T.$p.aint.reads 42 cat /proc/$p/aint
    head -c 65536 /proc/exam_seq_records >/tmp/big
    check_true $T.$p.bigprocfile.write sh -c "cat /tmp/big >/proc/$p/bigprocfile"
    check_true $T.$p.bigprocfile.round-trip cmp /tmp/big /proc/$p/bigprocfile
done
for d in debugfs-exam debugfs-exam-c; do
    for f in u8_var u16_var u32_var; do
        check_true $T.$d.$f.write kfio write $D/$d/$f 200
        check_cmd $T.$d.$f.reads 200 cat $D/$d/$f
    done
done
check_cmd $T.seqfile.records 100000 sh -c "wc -l </proc/exam_seq_records"
check_true $T.seqfile.records.same cmp /proc/exam_seq_records /proc/exam_seq_records_c
check_cmd $T.seqfile.header "Current all the processes in system:" sh -c "head -n 1 /proc/exam_seq_file"
for d in relay-exam relay-exam-c; do
    relay-read -q $D/$d/example >/dev/null 2>&1
    echo 1 >$D/$d/snapshot
    check_cmd $T.$d.snapshot "Current all the processes:" sh -c "relay-read -q $D/$d/example | head -n 1"
done
for m in $mods; do
    check_true $T.rmmod.$m rmmod $m
done
