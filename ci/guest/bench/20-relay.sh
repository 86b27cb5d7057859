# relay: the kernel's own time per record of relay_exam's burst, Rust against
# the C twin (write and reserve/commit, on CPU 0, overwrite mode so that no
# record is dropped), and each against a plain memcpy of the same bytes; then
# end to end, kernel writes to a file through relay-read or cat.
# Prints "BENCH ..." (Rust/C), "MEMCPY ..." (relay/memcpy) and "E2E ..."
# (first/second reader) lines, all "name a_ns b_ns ratio min max".
R=/sys/kernel/debug/relay-exam
RC=/sys/kernel/debug/relay-exam-c
ROUNDS=7
b() { taskset 1 kfio bench "$@" || echo "BENCH-ERROR $1"; }
as() { sed "s/^BENCH /$1 /"; }

for m in relay_exam relay_exam_c; do
    insmod /modules/$m.ko period_secs=0 overwrite=1 subbuf_size=262144 n_subbufs=8
done
for size in 64 4096; do
    count=20000
    [ $size = 64 ] && count=200000
    b relay.write-$size burst:$count:$size:write $R/burst $RC/burst $ROUNDS 1
    b relay.reserve-$size burst:$count:$size:reserve $R/burst $RC/burst $ROUNDS 1
    b relay.rust.write-$size burst:$count:$size:write:memcpy $R/burst $R/burst $ROUNDS 1 | as MEMCPY
    b relay.c.write-$size burst:$count:$size:write:memcpy $RC/burst $RC/burst $ROUNDS 1 | as MEMCPY
done
rmmod relay_exam relay_exam_c

# End to end: records of 4 KiB written on CPU 0 into a channel that holds
# them all, then read into a file; the kernel writes are included, so E2E
# figures are MiB/s of the whole path. Rust against C through relay-read
# (8 MiB), then relay-read against cat on the Rust channel (32 MiB, so that
# relay-read's longer process start-up weighs less).
for m in relay_exam relay_exam_c; do
    insmod /modules/$m.ko period_secs=0 subbuf_size=1048576 n_subbufs=12
done
W="taskset 1 sh -c 'echo 2048 4096 >{}/burst'"
b relay.e2e.8m.rust-c "exec:$W && relay-read -q -o /tmp/e2e {}/example" $R $RC 5 1 | as E2E
rmmod relay_exam relay_exam_c
insmod /modules/relay_exam.ko period_secs=0 subbuf_size=4194304 n_subbufs=10
W="taskset 1 sh -c 'echo 8192 4096 >$R/burst'"
b relay.e2e.32m.relay-read-cat "exec:$W && {}" "relay-read -q -o /tmp/e2e $R/example" "cat $R/example[0-9]* >/tmp/e2e" 5 1 | as E2E
rm -f /tmp/e2e
rmmod relay_exam
