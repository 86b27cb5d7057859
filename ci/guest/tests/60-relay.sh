# relay-rs through the relay_exam demo, the relay_lab bench and relay-read:
# snapshots read back through relay-read and cat, no-overwrite and overwrite
# modes, a long run, concurrent writers, reserve/commit, the channel's
# callbacks, readers that take over from earlier ones, bad input,
# permissions and unloading with the channel open or mapped. (Loss under
# concurrent reading and writing: 65-relay-stress.sh.)
. /lib.sh
D=/sys/kernel/debug/relay-exam
C=$D/example
L=/sys/kernel/debug/relay-lab
LC=$L/chan
T=relay
ncpu=$(grep -c '^processor' /proc/cpuinfo)

check_true $T.insmod insmod /modules/relay_exam.ko period_secs=0
check_cmd $T.files "$(i=0; while [ $i -lt $ncpu ]; do echo example$i; i=$((i + 1)); done | sort; echo dropped flush snapshot stats)" \
    sh -c "ls $D | grep '^example' | sort; ls $D | grep -v '^example' | sort | tr '\n' ' ' | sed 's/ \$//'"
check "$T.mode" 400 "$(stat -c %a ${C}0)"
check_cmd $T.param.subbuf_size 65536 cat /sys/module/relay_exam/parameters/subbuf_size
check_cmd $T.param.overwrite N cat /sys/module/relay_exam/parameters/overwrite

# A snapshot lists every process.
i=0
while [ $i -lt 20 ]; do sleep 1000 & i=$((i + 1)); done
tries=0
while [ "$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$')" -lt 20 ] && [ $tries -lt 300 ]; do
    usleep 100000
    tries=$((tries + 1))
done
echo 1 >$D/snapshot
relay-read -q $C >/tmp/snap
check_cmd $T.snapshot.line1 "Current all the processes:" sed -n 1p /tmp/snap
check_cmd $T.snapshot.line2 "$(printf 'process name\t\tpid')" sed -n 2p /tmp/snap
check_cmd $T.snapshot.init "$(printf 'init\t\t1')" sed -n 3p /tmp/snap
check_cmd $T.snapshot.blank "" sh -c "tail -n 1 /tmp/snap"
pidof sleep | tr ' ' '\n' | sort -n >/tmp/want
awk -F '\t\t' '$1 == "sleep" {print $2}' /tmp/snap | sort -n >/tmp/got
check_true $T.snapshot.sleepers cmp /tmp/want /tmp/got
check_cmd $T.snapshot.consumed "" relay-read -q $C
killall sleep
check_true $T.snapshot.rmmod rmmod relay_exam

# The same through plain cat, after a flush finished the sub-buffers.
check_true $T.cat.insmod insmod /modules/relay_exam.ko period_secs=0
echo 1 >$D/snapshot
check_true $T.flush sh -c "echo 1 > $D/flush"
mkdir -p /tmp/relaycat
for f in $D/example*; do cat $f >/tmp/relaycat/${f##*/}; done
check_cmd $T.cat.raw 1 sh -c "cat /tmp/relaycat/* | grep -a -c 'Current all the processes:'"
check_cmd $T.cat.header KFRL sh -c "cat /tmp/relaycat/* | head -c 4"
relay-read -q /tmp/relaycat/example >/tmp/catsnap
check_cmd $T.cat.decoded "Current all the processes:" sed -n 1p /tmp/catsnap
check_cmd $T.cat.decoded.init "$(printf 'init\t\t1')" sed -n 3p /tmp/catsnap

# Bad input leaves everything as it was.
check_cmd $T.snapshot.bad EINVAL kfio write $D/snapshot 2
check_cmd $T.snapshot.garbage EINVAL kfio write $D/snapshot 'x\xff'
check_false $T.read-only sh -c "echo x > ${C}0"
check_cmd $T.dropped.zero 0 cat $D/dropped
check_true $T.rmmod rmmod relay_exam

# The bench's controls refuse bad commands and keep their state.
check_true $T.lab.insmod insmod /modules/relay_lab.ko
check_cmd $T.burst.bad EINVAL kfio write $L/burst '1'
check_cmd $T.burst.small EINVAL kfio write $L/burst '1 4'
check_cmd $T.burst.big EINVAL kfio write $L/burst '1 4073'
check_cmd $T.burst.many EINVAL kfio write $L/burst '99999999 8'
check_cmd $T.burst.words EINVAL kfio write $L/burst '1 8 9'
check_cmd $T.burst.mode EINVAL kfio write $L/burst 'copy 1 8'
check_cmd $T.burst.mode-only EINVAL kfio write $L/burst 'reserve'
check_cmd $T.burst.unchanged "records 0 bytes 0 dropped 0" sh -c "cut -d' ' -f1-6 $L/burst"
check_cmd $T.stream.bad EINVAL kfio write $L/stream '64 1 64'
check_cmd $T.stream.small EINVAL kfio write $L/stream '0 1 23'
check_cmd $T.stream.method EINVAL kfio write $L/stream '0 1 64 copy'
check_cmd $T.timer.fast EINVAL kfio write $L/timer '0 softirq 49 64'
check_cmd $T.timer.big EINVAL kfio write $L/timer '0 hardirq 100 257'
check_cmd $T.timer.context EINVAL kfio write $L/timer '0 nmi 100 64'
check_cmd $T.streams.none "" cat $L/streams
check_cmd $T.lab.flush.bad EINVAL kfio write $L/flush 2
check_cmd $T.consume.bad-cpu EINVAL kfio write $L/consume '4096 1'
check_cmd $T.consume.too-many EINVAL kfio write $L/consume '0 5'
# Inside a reservation's fill: a write and a reservation are refused
# (EBUSY = 16), a flush too (EPERM = 1); the outer record goes in.
check_cmd $T.nest.run "ok 1" kfio write $L/nest 1
check_cmd $T.nest.refused "write -16 reserve -16 flush -1" cat $L/nest
# mmap only at offset 0 and read-only (relay maps memory past the buffer
# at other offsets).
check_cmd $T.mmap.ok ok kfio mmap ${LC}0 16384 0
check_cmd $T.mmap.offset EINVAL kfio mmap ${LC}0 4096 4096
check_cmd $T.mmap.far EINVAL kfio mmap ${LC}0 4096 1099511627776
check_cmd $T.mmap.write EPERM kfio mmap ${LC}0 16384 0 rw
check_true $T.lab.rmmod rmmod relay_lab

# subbufs_consumed: a kernel-side consumer skips what it consumed, and the
# next read() starts at the next sub-buffer's header.
check_true $T.consume.insmod insmod /modules/relay_lab.ko n_subbufs=8
taskset 1 sh -c "echo '6 1000' > $L/burst"
dd if=${LC}0 of=/dev/null bs=10 count=1 2>/dev/null
check_true $T.consume.one kfio write $L/consume '0 1'
check_cmd $T.consume.rest "ok 2 4 5" sh -c "relay-read -q $LC >/tmp/r && kfio records /tmp/r 1000"
check_true $T.consume.rmmod rmmod relay_lab

# Readers take over where earlier ones stopped, inside a sub-buffer too.
# Bursts run on CPU 0; 1000-byte records, four to a 4096-byte sub-buffer
# (4072 bytes after the 24-byte header).
burst0() { taskset 1 sh -c "echo '$1' > $L/burst"; }
check_true $T.resume.insmod insmod /modules/relay_lab.ko n_subbufs=8
burst0 "3 1000"
check_cmd $T.resume.first "ok 3 0 2" sh -c "relay-read -q $LC >/tmp/r && kfio records /tmp/r 1000"
burst0 "3 1000"
check_cmd $T.resume.again "ok 3 0 2" sh -c "relay-read -q $LC >/tmp/r && kfio records /tmp/r 1000"
burst0 "2 1000"
check_cmd $T.resume.third "ok 2 0 1" sh -c "relay-read -q $LC >/tmp/r && kfio records /tmp/r 1000"
check_true $T.resume.rmmod rmmod relay_lab
# After another program read BYTES of CPU 0's file in one read().
resume_after() {
    insmod /modules/relay_lab.ko n_subbufs=8
    burst0 "6 1000"
    dd if=${LC}0 of=/dev/null bs=$1 count=1 2>/dev/null
    relay-read -q $LC >/tmp/r
    rmmod relay_lab
}
resume_after 10
check_cmd $T.resume.in-header "ok 6 0 5" kfio records /tmp/r 1000
resume_after 1024
check_cmd $T.resume.between-records "ok 5 1 5" kfio records /tmp/r 1000
resume_after 4024
check_cmd $T.resume.next-header "ok 2 4 5" kfio records /tmp/r 1000
resume_after 4023
check_cmd $T.resume.subbuf-end.size 2001 sh -c "wc -c </tmp/r"
check_cmd $T.resume.subbuf-end "ok 2 4 5" sh -c "tail -c 2000 /tmp/r >/tmp/r5 && kfio records /tmp/r5 1000"
resume_after 524
check_cmd $T.resume.mid-record.size 5500 sh -c "wc -c </tmp/r"
check_cmd $T.resume.mid-record "ok 5 1 5" sh -c "tail -c 5000 /tmp/r >/tmp/r5 && kfio records /tmp/r5 1000"

# Driver-defined sub-buffer headers (Callbacks::driver_header): with
# driver_header=1, relay_lab and its C twin put 8 bytes (the CPU and the
# sub-buffer's number, little-endian u32s) after relay-rs's 24-byte header,
# whose flags say so (8 << 8). Records of 1000 bytes, four to a sub-buffer
# (4064 bytes after both headers), so the stream of CPU 0 after 10 records
# and a flush is sub-buffers of 4032, 4032, 2032 and (open, empty) 32 bytes.
u32s_at() { od -An -tu4 -j "$2" -N "$3" "$1" | awk '{$1 = $1; print}'; }
for m in relay_lab relay_lab_c; do
    dir=/sys/kernel/debug/$(echo $m | tr _ -)
    n=$T.driver-header.$m
    check_true $n.insmod insmod /modules/$m.ko n_subbufs=8 driver_header=1
    check_cmd $n.param Y cat /sys/module/$m/parameters/driver_header
    check_cmd $n.too-big EINVAL kfio write $dir/burst '1 4065'
    check_cmd $n.largest "ok 6" kfio write $dir/burst '1 4064'
    check_true $n.flush-largest sh -c "echo 1 > $dir/flush"
    relay-read -q $dir/chan >/tmp/r
    check_cmd $n.largest.read 4064 sh -c "wc -c </tmp/r"
    check_true $n.rmmod rmmod $m

    insmod /modules/$m.ko n_subbufs=8 driver_header=1
    taskset 1 sh -c "echo '10 1000' > $dir/burst"
    echo 1 >$dir/flush
    rm -rf /tmp/dh && mkdir /tmp/dh
    for f in $dir/chan*; do cat $f >/tmp/dh/${f##*/}; done
    check_cmd $n.raw.size 10128 sh -c "wc -c </tmp/dh/chan0"
    check_cmd $n.raw.flags 2048 u32s_at /tmp/dh/chan0 20 4
    check_cmd $n.raw.subbuf0 "0 0" u32s_at /tmp/dh/chan0 24 8
    check_cmd $n.raw.subbuf1 "0 1" u32s_at /tmp/dh/chan0 $((4032 + 24)) 8
    check_cmd $n.raw.subbuf2 "0 2" u32s_at /tmp/dh/chan0 $((8064 + 24)) 8
    check_cmd $n.raw.subbuf3 "0 3" u32s_at /tmp/dh/chan0 $((10096 + 24)) 8
    # Record 4 starts sub-buffer 1, right after both headers.
    check_cmd $n.raw.first-record 4 u32s_at /tmp/dh/chan0 $((4032 + 32)) 4
    if [ $ncpu -ge 2 ]; then
        # CPU 1 wrote nothing: its first sub-buffer, then the one the flush
        # started.
        check_cmd $n.raw.cpu1 "1 0" u32s_at /tmp/dh/chan1 24 8
        check_cmd $n.raw.cpu1.next "1 1" u32s_at /tmp/dh/chan1 $((32 + 24)) 8
    fi
    check_cmd $n.capture "ok 10 0 9" sh -c "relay-read -q /tmp/dh/chan >/tmp/r && kfio records /tmp/r 1000"
    check_true $n.rmmod.2 rmmod $m

    # Live, and readers taking over inside a driver header or between records.
    insmod /modules/$m.ko n_subbufs=8 driver_header=1
    taskset 1 sh -c "echo '10 1000' > $dir/burst"
    check_cmd $n.live "ok 10 0 9" sh -c "relay-read -q $dir/chan >/tmp/r && kfio records /tmp/r 1000"
    check_cmd $n.stats "subbufs $((ncpu + 2)) full 0" cat $dir/stats
    check_true $n.rmmod.3 rmmod $m
    for at in 28:"ok 6 0 5" 1032:"ok 5 1 5" 4032:"ok 2 4 5"; do
        insmod /modules/$m.ko n_subbufs=8 driver_header=1
        taskset 1 sh -c "echo '6 1000' > $dir/burst"
        dd if=$dir/chan0 of=/dev/null bs=${at%%:*} count=1 2>/dev/null
        check_cmd $n.resume.${at%%:*} "${at#*:}" sh -c "relay-read -q $dir/chan >/tmp/r && kfio records /tmp/r 1000"
        rmmod $m
    done
done
check_false $T.driver-header.geometry insmod /modules/relay_lab.ko subbuf_size=95 driver_header=1
check_true $T.driver-header.smallest insmod /modules/relay_lab.ko subbuf_size=96 driver_header=1
check_true $T.driver-header.smallest.rmmod rmmod relay_lab
check_false $T.driver-header.geometry.c insmod /modules/relay_lab_c.ko subbuf_size=95 driver_header=1

# reserve/commit writes the same records as write, and is accounted alike;
# the callbacks see every sub-buffer started and every refusal.
check_true $T.reserve.insmod insmod /modules/relay_lab.ko n_subbufs=4
burst0 "reserve 10 1000"
check_cmd $T.reserve.result "records 10 bytes 10000 dropped 0" sh -c "cut -d' ' -f1-6 $L/burst"
check_cmd $T.reserve.records "ok 10 0 9" sh -c "relay-read -q $LC >/tmp/r && kfio records /tmp/r 1000"
check_cmd $T.reserve.stats "subbufs $((ncpu + 2)) full 0" cat $L/stats
check_cmd $T.refused.none "full 0 too_big 0 dropped 0 full_cpus none" cat $L/refused
burst0 "reserve 100 1000"
dropped=$(cat $L/dropped)
check_cmd $T.reserve.dropped yes sh -c "[ $dropped -gt 0 ] && echo yes"
# Channel::stats counts them as buffer-full refusals, Channel::is_full
# names the CPU the burst filled (burst0: CPU 0); reading empties it.
check_cmd $T.refused.full "full $dropped too_big 0 dropped $dropped full_cpus 0" cat $L/refused
relay-read -q $LC >/tmp/r
check_cmd $T.refused.read "full $dropped too_big 0 dropped $dropped full_cpus none" cat $L/refused
kept=$(($(wc -c </tmp/r) / 1000))
check_cmd $T.reserve.accounted 100 echo $((kept + dropped))
check_cmd $T.reserve.kept "ok $kept" sh -c "kfio records /tmp/r 1000 | cut -d' ' -f1,2"
check_cmd $T.reserve.full "full $dropped" sh -c "cut -d' ' -f3,4 $L/stats"
check_cmd $T.reserve.too-big EINVAL kfio write $L/burst 'reserve 1 4073'
check_true $T.reserve.rmmod rmmod relay_lab

# No-overwrite: a full buffer drops new records, counts them, keeps the rest.
check_true $T.nowrap.insmod insmod /modules/relay_lab.ko n_subbufs=4
check_cmd $T.nowrap.param 4096 cat /sys/module/relay_lab/parameters/subbuf_size
echo "2000 1000" >$L/burst
dropped=$(cat $L/dropped)
check_cmd $T.nowrap.dropped yes sh -c "[ $dropped -gt 0 ] && echo yes"
relay-read -D $L/dropped $LC >/tmp/nowrap 2>/tmp/nowrap.err
kept=$(($(wc -c </tmp/nowrap) / 1000))
check_cmd $T.nowrap.accounted 2000 echo $((kept + dropped))
check_cmd $T.nowrap.records "ok $kept" sh -c "kfio records /tmp/nowrap 1000 | cut -d' ' -f1,2"
check_cmd $T.nowrap.report "relay-read: kernel dropped $dropped records" grep dropped /tmp/nowrap.err
check_cmd $T.nowrap.no-loss "" grep warning /tmp/nowrap.err
echo "10 1000" >$L/burst
check_cmd $T.nowrap.room-again "records 10 bytes 10000 dropped 0" sh -c "cut -d' ' -f1-6 $L/burst"
check_true $T.nowrap.rmmod rmmod relay_lab

# Overwrite: the newest data is kept, the oldest overwritten and reported.
check_true $T.wrap.insmod insmod /modules/relay_lab.ko n_subbufs=4 overwrite=1
echo "2000 1000" >$L/burst
check_cmd $T.wrap.dropped 0 cat $L/dropped
relay-read $LC >/tmp/wrap 2>/tmp/wrap.err
check_cmd $T.wrap.newest 1999 sh -c "kfio records /tmp/wrap 1000 | cut -d' ' -f4"
check_cmd $T.wrap.oldest-gone yes sh -c "grep -q 'starting at sub-buffer [1-9]' /tmp/wrap.err && echo yes"
check_true $T.wrap.rmmod rmmod relay_lab

# A reader that keeps up loses nothing: 64 MiB in 4 KiB records (16 MiB on
# slow kernels).
check_true $T.long.insmod insmod /modules/relay_lab.ko subbuf_size=262144 n_subbufs=8
relay-read -f -o /tmp/long $LC 2>/tmp/long.err &
reader=$!
i=0
rounds=1024
[ $SLOW = 1 ] && rounds=256
while [ $i -lt $rounds ]; do
    echo "16 4096" >$L/burst
    usleep 1000
    i=$((i + 1))
done
usleep 500000
kill -INT $reader
wait $reader
check_cmd $T.long.exit 0 echo $?
check_cmd $T.long.dropped 0 cat $L/dropped
check_cmd $T.long.size $((rounds << 16)) sh -c "wc -c </tmp/long"
echo "KTEST info $T.long.throughput $(grep total /tmp/long.err)"
rm -f /tmp/long
check_true $T.long.rmmod rmmod relay_lab

# Writers on two CPUs at once (pinned, so that both buffers are written).
check_true $T.concurrent.insmod insmod /modules/relay_exam.ko period_secs=0
(i=0; while [ $i -lt 50 ]; do taskset 1 sh -c "echo 1 >$D/snapshot"; i=$((i + 1)); done) &
(i=0; while [ $i -lt 50 ]; do taskset 2 sh -c "echo 1 >$D/snapshot"; i=$((i + 1)); done) &
wait
mkdir -p /tmp/percpu
relay-read -q -d /tmp/percpu $C
cat /tmp/percpu/cpu* >/tmp/many
snapshots() { grep -a -o 'Current all the processes:' "$1" | wc -l; }
check_cmd $T.concurrent.snapshots 100 snapshots /tmp/many
check_cmd $T.concurrent.cpu0 50 snapshots /tmp/percpu/cpu0
check_cmd $T.concurrent.cpu1 50 snapshots /tmp/percpu/cpu1
check_cmd $T.concurrent.dropped 0 cat $D/dropped

# Permissions and errors of relay-read.
check_cmd $T.nobody.denied yes sh -c "kfio as 65534 relay-read $C 2>&1 | grep -q 'permission denied' && echo yes"
check_cmd $T.nosuch yes sh -c "relay-read $D/nosuch 2>&1 | grep -q 'no such channel' && echo yes"
check_false $T.nosuch.status relay-read $D/nosuch

check_true $T.concurrent.rmmod rmmod relay_exam

# The timer: a snapshot every period_secs.
check_true $T.timer.insmod insmod /modules/relay_exam.ko period_secs=1
sleep 3
relay-read -q $C >/tmp/timer
check_cmd $T.timer.snapshots yes sh -c "[ \$(grep -c '^Current all the processes:\$' /tmp/timer) -ge 2 ] && echo yes"
check_true $T.timer.rmmod rmmod relay_exam

# Unloading while a reader holds the files open or mapped: relay-rs's read()
# is the module's code, so the files pin the module until they are closed.
check_true $T.unload.insmod insmod /modules/relay_exam.ko period_secs=0
echo 1 >$D/snapshot
relay-read -f -o /tmp/mapped $C 2>/dev/null &
reader=$!
usleep 300000
exec 3<${C}0
check_false $T.rmmod.open-mapped rmmod relay_exam
kill -INT $reader
wait $reader
check_cmd $T.rmmod.reader-exit 0 echo $?
check_cmd $T.rmmod.reader-data "Current all the processes:" sed -n 1p /tmp/mapped
check_false $T.rmmod.open rmmod relay_exam
# The next records on CPU 0 follow those relay-read took, in the same sub-buffer.
taskset 1 sh -c "echo 1 >$D/snapshot"
check_cmd $T.rmmod.read-while-open "Current all the processes:" sh -c "head -c 200 <&3 | head -n 1"
exec 3<&-
check_true $T.rmmod.closed rmmod relay_exam
check_false $T.rmmod.gone test -e $D

# relay creates a buffer's file before it sets the buffer up (its reference
# count and wait queue): the files are opened, polled and read the moment they
# appear, while the module loads and unloads. With relay's own open() this
# oopsed in poll() or read a freed buffer later; the helpers' files refuse to
# open (ENOENT) until the buffer is ready. The C twin shares the helpers.
for m in relay_exam relay_exam_c; do
    dir=/sys/kernel/debug/$(echo $m | tr _ -)
    kfio open-race ${dir}/example0 5 >/tmp/race0 &
    r0=$!
    kfio open-race ${dir}/example1 5 >/tmp/race1 &
    r1=$!
    cycles=0
    end=$(($(date +%s) + 5))
    while [ "$(date +%s)" -lt $end ]; do
        insmod /modules/$m.ko period_secs=0 && cycles=$((cycles + 1))
        # Refused while an opener holds a file: try until it lets go.
        while grep -q "^$m " /proc/modules && ! rmmod $m 2>/dev/null; do :; done
    done
    wait $r0 $r1
    echo "KTEST info $T.open-race.$m cycles=$cycles example0: $(cat /tmp/race0) example1: $(cat /tmp/race1)"
    # The debug kernel (KASAN, lockdep) loads a module a few times a second.
    min=$([ $SLOW = 1 ] && echo 1 || echo 3)
    check_cmd $T.open-race.$m.cycled yes sh -c "[ $cycles -ge $min ] && echo yes"
    check_cmd $T.open-race.$m.opened yes sh -c "grep -q '^ok [1-9]' /tmp/race0 && grep -q '^ok [1-9]' /tmp/race1 && echo yes"
done

# The same window held open: relay_lab_c sleeps after creating each buffer
# file, before relay sets the buffer up. An opener meanwhile is refused while
# the file exists, then opens the buffer once it is ready.
kfio open-race /sys/kernel/debug/relay-lab-c/chan0 4 >/tmp/race &
r0=$!
usleep 200000
check_true $T.open-window.insmod insmod /modules/relay_lab_c.ko file_delay_ms=600
wait $r0
echo "KTEST info $T.open-window $(cat /tmp/race)"
check_cmd $T.open-window.refused-then-opened yes sh -c "grep -q '^ok [1-9][0-9]* [0-9]* [1-9]' /tmp/race && echo yes"
check_true $T.open-window.rmmod rmmod relay_lab_c
