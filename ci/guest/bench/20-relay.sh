# relay: the kernel's own time per record of relay_lab's burst, Rust against
# its C twin written with relay's own functions (relay_lab_c native=1:
# __relay_write(), relay_reserve()), write and reserve/commit, on CPU 0,
# overwrite mode so that no record is dropped, and each against a plain
# memcpy of the same bytes; then end to end, kernel writes to a file through
# relay-read or cat, with and without sub-buffer headers.
# Prints "BENCH ..." (Rust/C), "MEMCPY ..." (relay/memcpy) and "E2E ..."
# (first/second reader) lines, all "name a_ns b_ns ratio min max".
R=/sys/kernel/debug/relay-lab
RC=/sys/kernel/debug/relay-lab-c
ROUNDS=7
b() { taskset 1 kfio bench "$@" || echo "BENCH-ERROR $1"; }
as() { sed "s/^BENCH /$1 /"; }

insmod /modules/relay_lab.ko overwrite=1 subbuf_size=262144 n_subbufs=8
insmod /modules/relay_lab_c.ko native=1 overwrite=1 subbuf_size=262144 n_subbufs=8
for size in 64 4096; do
    count=20000
    [ $size = 64 ] && count=200000
    b relay.write-$size burst:$count:$size:write $R/burst $RC/burst $ROUNDS 1
    b relay.reserve-$size burst:$count:$size:reserve $R/burst $RC/burst $ROUNDS 1
    b relay.rust.write-$size burst:$count:$size:write:memcpy $R/burst $R/burst $ROUNDS 1 | as MEMCPY
    b relay.c.write-$size burst:$count:$size:write:memcpy $RC/burst $RC/burst $ROUNDS 1 | as MEMCPY
done
rmmod relay_lab relay_lab_c

# End to end: records of 4 KiB written on CPU 0 into a channel that holds
# them all, then read into a file. Rust against C through cat (8 MiB, the
# kernel writes timed too: MiB/s of the whole kernel path; relay-read would
# add to the C channel's side the cost of finding its mapping's length,
# which relay's own files do not publish); then
# relay-read against cat (32 MiB, the writes untimed before each run, so the
# figure is the reader's, process start-up included), on a relay-rs channel
# with sub-buffer headers and on a C channel without (relay_lab_c plain=1,
# files as blktrace makes them).
insmod /modules/relay_lab.ko subbuf_size=1048576 n_subbufs=12
insmod /modules/relay_lab_c.ko native=1 subbuf_size=1048576 n_subbufs=12
W="taskset 1 sh -c 'echo 2048 4096 >{}/burst'"
b relay.e2e.8m.rust-c "exec:$W && cat {}/chan[0-9]* >/tmp/e2e" $R $RC 5 1 | as E2E
rmmod relay_lab relay_lab_c
insmod /modules/relay_lab.ko subbuf_size=4194304 n_subbufs=10
W="taskset 1 sh -c 'echo 8192 4096 >$R/burst'"
b relay.e2e.32m.relay-read-cat "exec:$W ;; {}" "relay-read -q -o /tmp/e2e $R/chan" "cat $R/chan[0-9]* >/tmp/e2e" 5 1 | as E2E
rmmod relay_lab
insmod /modules/relay_lab_c.ko plain=1 subbuf_size=4194304 n_subbufs=10
W="taskset 1 sh -c 'echo 8192 4096 >$RC/burst'"
b relay.e2e.32m.no-headers.relay-read-cat "exec:$W ;; {}" "relay-read -q -o /tmp/e2e $RC/chan" "cat $RC/chan[0-9]* >/tmp/e2e" 5 1 | as E2E
rm -f /tmp/e2e
rmmod relay_lab_c
