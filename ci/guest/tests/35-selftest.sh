# Hostile but safe calls of the file crates (modules/kfiles_selftest): names
# that are not one path component, modes with file-type bits, handlers that
# claim more bytes than the call had. Each must be refused or neutralised,
# with no kernel report (the debug kernel checks memory: the '/' case was a
# use-after-free there).
. /lib.sh
T=selftest
P=/proc/kfiles_selftest
D=/sys/kernel/debug/kfiles_selftest
check_true $T.insmod insmod /modules/kfiles_selftest.ko
for c in proc.subdir.slash proc.subdir.dot proc.subdir.dotdot proc.subdir.empty \
    proc.root.numeric proc.symlink.slash proc.file.slash; do
    check_cmd $T.$c EINVAL sh -c "sed -n 's/^$c //p' $P/results"
done
# Names that already exist: EEXIST, and no WARN from procfs (the run fails
# on any kernel report).
for c in proc.dup.subdir proc.dup.symlink proc.dup.file proc.dup.root-own proc.dup.root-kernel; do
    check_cmd $T.$c EEXIST sh -c "sed -n 's/^$c //p' $P/results"
done
check_cmd $T.proc.dup.again created sh -c "sed -n 's/^proc.dup.again //p' $P/results"
# /proc/net (NetFiles): a name the kernel made there or one this module made
# in the same namespace is refused; a failing build leaves nothing; a module
# has eight registrations.
for c in net.dup.kernel net.dup.own; do
    check_cmd $T.$c EEXIST sh -c "sed -n 's/^$c //p' $P/results"
done
check_cmd $T.net.build-error EINVAL sh -c "sed -n 's/^net.build-error //p' $P/results"
check_false $T.net.build-error.gone test -e /proc/1/net/kfiles_selftest_partial
check_cmd $T.net.slots EBUSY sh -c "sed -n 's/^net.slots //p' $P/results"
check_cmd $T.net.leaked 4 cat /proc/1/net/kfiles_selftest_leaked
check_cmd $T.net.file Y cat /proc/1/net/kfiles_selftest
check_true $T.net.kernel-dev grep -q lo: /proc/1/net/dev
# Inside the process walk (RCU read-side section): no sleeping creation, and
# a drop deferred until after it.
check_cmd $T.proc.subdir.in-rcu EPERM sh -c "sed -n 's/^proc.subdir.in-rcu //p' $P/results"
check_cmd $T.debugfs.subdir.in-rcu absent sh -c "sed -n 's/^debugfs.subdir.in-rcu //p' $P/results"
check_false $T.proc.in-rcu.none test -e $P/in_rcu
check_false $T.debugfs.in-rcu.none test -e $D/in_rcu
check_false $T.proc.rcu-drop.gone test -e $P/rcu_drop
check_cmd $T.debugfs.file.slash absent sh -c "sed -n 's/^debugfs.file.slash //p' $P/results"
check_false $T.proc.no-stray test -e /proc/4242
check_cmd $T.proc.sub-removed "" sh -c "ls $P | grep -x sub"
# File-type bits in a mode are dropped: plain files and directories.
check_cmd $T.proc.typed "regular empty file 444" stat -c '%F %a' $P/typed
check_cmd $T.proc.typed.read 5 cat $P/typed
check_cmd $T.proc.typed-dir "directory 555" stat -c '%F %a' $P/typed_dir
check_true $T.proc.lookup ls /proc
check_cmd $T.debugfs.typed "regular empty file 444" stat -c '%F %a' $D/typed
check_cmd $T.debugfs.typed.read 7 cat $D/typed
check_cmd $T.debugfs.no-stray "" sh -c "ls $D | grep -vx -e typed -e remove_self -e close_drops_self -e pipe -e drop_pipe -e growing -e ticker"
# FileOps counts beyond the call fail with EIO and keep the position.
check_cmd $T.overcount.read EIO kfio read $P/overcount 16
check_cmd $T.overcount.write EIO kfio write $P/overcount abc
check_cmd $T.maxcount.read EIO kfio read $P/maxcount 16
check_cmd $T.maxcount.write EIO kfio write $P/maxcount abc
# Removal from inside one's own callback: deferred until the callback has
# returned (it used to wait for itself forever). `gone FILE CASE` waits up to
# 5 s for the entry to disappear and the value to be dropped.
gone() {
    i=0
    while [ $i -lt 50 ]; do
        if ! test -e "$1" && grep -qx "$2 dropped" $P/results; then
            echo gone
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "still there"
}
exec 3<>$P/remove_self
check_cmd $T.self.proc.store-ok 0 sh -c "echo 1 >&3; echo \$?"
check_cmd $T.self.proc.store-gone gone gone $P/remove_self proc.remove_self
# The open file now fails (procfs's removed-entry rule), it does not hang.
check_cmd $T.self.proc.fd-after failed sh -c "echo 1 >&3 2>/dev/null && echo ok || echo failed"
exec 3>&-
# One read(): the entry may be gone by the next one (EIO, as for any removed
# proc entry).
check_cmd $T.self.proc.show "still here" sh -c "head -n 1 $P/drop_on_read 2>/dev/null"
check_cmd $T.self.proc.show-gone gone gone $P/drop_on_read proc.drop_on_read
check_true $T.self.debugfs.store sh -c "echo 1 > $D/remove_self"
check_cmd $T.self.debugfs.store-gone gone gone $D/remove_self debugfs.remove_self
# A scope dropped from a write to one of its own files: its files go (the
# removal deferred past the write), then the state they borrow.
check_cmd $T.scope.read 3 cat $P/scope_hits
check_true $T.scope.drop sh -c "echo 1 > $P/drop_scope"
check_cmd $T.scope.gone gone gone $P/drop_scope proc.scope
check_false $T.scope.hits-gone test -e $P/scope_hits
# A per-open file whose open state drops the file when closed: procfs would
# wait in the removal for the very release it runs in (a hang); the removal
# is deferred. debugfs releases outside its removal's wait: removed at once.
check_cmd $T.close.proc.read open cat $P/close_drops_self
check_cmd $T.close.proc.gone gone gone $P/close_drops_self proc.close_drops_self
check_cmd $T.close.debugfs.read open cat $D/close_drops_self
check_cmd $T.close.debugfs.gone gone gone $D/close_drops_self debugfs.close_drops_self
# A per-open stream: each open has its own cursor; positions are refused.
exec 3<$P/cursor 4<$P/cursor
check_cmd $T.cursor.first 0 head -c 2 <&3
check_cmd $T.cursor.other 0 head -c 2 <&4
check_cmd $T.cursor.first-again 1 head -c 2 <&3
check_cmd $T.cursor.rest "2" cat <&3
check_cmd $T.cursor.other-rest "1
2" cat <&4
exec 3<&- 4<&-
check_cmd $T.cursor.cat "0
1
2" cat $P/cursor
check_cmd $T.cursor.pread ESPIPE kfio read $P/cursor 16 5
check_cmd $T.cursor.pwrite ESPIPE kfio pwrite $P/cursor x 0
# Seek policies. SEEK_END from the length now, which writes grow; from the
# length at open (per-open); refused; a seek that moves nothing.
check_cmd $T.seek.growing "ok 8" kfio seek $P/growing -2 end
check_cmd $T.seek.growing.past EINVAL kfio seek $P/growing 11 set
check_cmd $T.seek.growing.write "ok 5" kfio write $P/growing 12345
check_cmd $T.seek.growing.grown "ok 15" kfio seek $P/growing 0 end
check_cmd $T.seek.growing.read 15 sh -c "wc -c <$P/growing"
check_cmd $T.seek.snapshots "ok 10" kfio seek $P/snapshots 0 end
check_cmd $T.seek.snapshots.write "ok 3" kfio write $P/snapshots abc
check_cmd $T.seek.snapshots.grown "ok 13" kfio seek $P/snapshots 0 end
check_cmd $T.seek.snapshots.past EINVAL kfio seek $P/snapshots 1 end
check_cmd $T.seek.no-end EINVAL kfio seek $P/no_end 0 end
check_cmd $T.seek.no-end.set "ok 1000" kfio seek $P/no_end 1000 set
check_cmd $T.seek.no-end.read "" kfio read $P/no_end 4096 1000
check_cmd $T.seek.unmoved "ok 0" kfio seek $P/unmoved 100 set
check_cmd $T.seek.unmoved.end "ok 0" kfio seek $P/unmoved -5 end
check_cmd $T.seek.unmoved.read .......... cat $P/unmoved
# The same size policy through debugfs's proxy; handler files as streams
# (their open is C's stream_open()), in procfs and debugfs.
check_cmd $T.seek.debugfs.growing "ok 10" kfio seek $D/growing 0 end
check_cmd $T.seek.debugfs.growing.write "ok 4" kfio write $D/growing abcd
check_cmd $T.seek.debugfs.growing.grown "ok 12" kfio seek $D/growing -2 end
check_cmd $T.seek.debugfs.growing.past EINVAL kfio seek $D/growing 15 set
for f in $P/ticker $D/ticker; do
    fs=${f#/}; fs=${fs%%/*}
    check_cmd $T.stream.$fs.lseek ESPIPE kfio seek $f 0 set
    check_cmd $T.stream.$fs.pread ESPIPE kfio read $f 16 0
    check_cmd $T.stream.$fs.reads "0
1" sh -c "head -n 1 $f; head -n 1 $f"
done
# User copies where they may not sleep are refused, not attempted.
check_cmd $T.copy.in-rcu.read EPERM kfio read $P/copy_in_rcu 16
check_cmd $T.copy.in-rcu.write EPERM kfio write $P/copy_in_rcu abc
# A blocking stream: a read waits for a write, O_NONBLOCK gets EAGAIN, each
# open reads from the start.
check_cmd $T.pipe.nonblock-empty EAGAIN kfio read-nb $P/pipe
head -c 5 $P/pipe >/tmp/pipe1 &
r=$!
usleep 300000
check_cmd $T.pipe.blocked yes sh -c "kill -0 $r 2>/dev/null && echo yes"
check_true $T.pipe.write sh -c "echo -n hello > $P/pipe"
wait $r
check_cmd $T.pipe.woken hello cat /tmp/pipe1
check_cmd $T.pipe.second-reader hello head -c 5 $P/pipe
check_cmd $T.pipe.nonblock-data "ok 5" kfio read-nb $P/pipe
# Waiting inside the process walk (RCU read side) is refused, not slept.
check_cmd $T.pipe.wait-in-rcu EPERM kfio read $P/wait_in_rcu 16
# poll() and epoll on the blocking streams: a timeout with nothing new to
# read, OUT while there is room, woken by a write; in procfs and debugfs.
# (The procfs pipe holds "hello" here; SKIP reads that much first.)
poll_pair() { # NAME PATH SKIP
    check_cmd $T.poll.$1.timeout timeout kfio poll $2 in 200 $3
    check_cmd $T.epoll.$1.timeout timeout kfio epoll $2 in 200 $3
    check_cmd $T.poll.$1.out OUT kfio poll $2 out 0
    kfio poll $2 in 10000 $3 >/tmp/poll.$1 &
    local p=$!
    kfio epoll $2 in 10000 $3 >/tmp/epoll.$1 &
    local e=$!
    usleep 300000
    check_cmd $T.poll.$1.blocked yes sh -c "kill -0 $p && kill -0 $e && echo yes"
    check_true $T.poll.$1.write sh -c "echo -n x > $2"
    wait $p $e
    check_cmd $T.poll.$1.woken IN cat /tmp/poll.$1
    check_cmd $T.epoll.$1.woken IN cat /tmp/epoll.$1
    check_cmd $T.poll.$1.ready IN kfio poll $2 in 0 $3
}
poll_pair proc $P/pipe 5
poll_pair debugfs $D/pipe 0
# Dropping the debugfs pipe (open files there pin the module, so not by
# unloading) with a reader blocked, a poll() for POLLPRI only and an epoll
# asleep: all are woken, the removal does not wait forever, and the files
# still open afterwards fail cleanly.
head -c 100 $D/pipe >/tmp/dpipe.read 2>/dev/null &
dpollers=$!
kfio poll $D/pipe pri -1 >/tmp/dpipe.poll &
dpollers="$dpollers $!"
kfio epoll $D/pipe in -1 1 >/tmp/dpipe.epoll &
dpollers="$dpollers $!"
exec 5<$D/pipe
usleep 300000
check_cmd $T.poll.debugfs.asleep 3 sh -c "n=0; for p in $dpollers; do kill -0 \$p 2>/dev/null && n=\$((n+1)); done; echo \$n"
check_true $T.poll.debugfs.drop sh -c "echo 1 > $D/drop_pipe"
wait $dpollers
check_false $T.poll.debugfs.gone test -e $D/pipe
check_cmd $T.poll.debugfs.reader x cat /tmp/dpipe.read
check_cmd $T.poll.debugfs.dropped PRI,ERR,HUP cat /tmp/dpipe.poll
check_cmd $T.epoll.debugfs.dropped yes sh -c "grep -qx 'IN,ERR,HUP\|HUP' /tmp/dpipe.epoll && echo yes"
check_cmd $T.poll.debugfs.after-drop yes sh -c "cat <&5 >/dev/null 2>&1 || echo yes"
exec 5<&-
check_cmd $T.poll.debugfs.drop-again ENOENT kfio write $D/drop_pipe 1
# One poll() over `victim` (a pipe) and `poll_drops`, whose poll() drops
# the victim: the poller is still on the victim's queue then, and will only
# leave it when this very call returns. The removal gives up waiting for it
# (after half a second) and keeps the victim's poll queue until the poller
# has left (freed at the next removal or at unload; kmemleak on the debug
# kernel would see a leak, KASAN a use after free). The victim had nothing
# to read, and poll() does not ask it again (poll_drops is ready).
check_cmd $T.poll.victim "none IN" kfio poll-many 5000 $P/victim:in $P/poll_drops:in
check_false $T.poll.victim.gone test -e $P/victim
check_cmd $T.poll.victim.again IN kfio poll $P/poll_drops in 0
# A reader blocked at the end while the module unloads (below).
head -c 100 $P/pipe >/tmp/pipe2 2>/dev/null &
pipe_reader=$!
usleep 300000
check_cmd $T.pipe.blocked-at-unload yes sh -c "kill -0 $pipe_reader 2>/dev/null && echo yes"
# Pollers asleep at unload: poll() for POLLPRI only, which the pipe never
# reports (and procfs's answer for a removed entry does not include), and
# epoll, which keeps its wait entry until the descriptor is closed. The
# unload must wake them all and wait until their entries are off the
# file's queue before freeing it (KASAN would see the use after free).
kfio poll $P/pipe pri -1 >/tmp/unload.poll.proc &
unload_pollers=$!
kfio epoll $P/pipe in -1 6 >/tmp/unload.epoll.proc &
unload_pollers="$unload_pollers $!"
usleep 300000
check_cmd $T.poll.asleep-at-unload 2 sh -c "n=0; for p in $unload_pollers; do kill -0 \$p 2>/dev/null && n=\$((n+1)); done; echo \$n"
# The work item dropped itself at its first tick: one tick, then dropped.
check_cmd $T.self.work.dropped "work.self dropped" grep -x "work.self dropped" $P/results
check_cmd $T.self.work.ticks 1 grep -cx "work.self tick" $P/results
check_true $T.rmmod rmmod kfiles_selftest
check_false $T.net.gone test -e /proc/1/net/kfiles_selftest
# The leaked one was released at unload, with a warning, and is gone
# (kmemleak, on the debug kernel, finds nothing left of it).
check_false $T.net.leaked.gone test -e /proc/1/net/kfiles_selftest_leaked
check_true $T.net.leaked.warned sh -c "dmesg | grep -q 'a NetFiles of this module was leaked; released'"
check_false $T.gone test -e $P
# The unload woke the blocked reader, whose read failed (EIO) after "hellox".
wait $pipe_reader
check_cmd $T.pipe.reader-failed 1 echo $?
check_cmd $T.pipe.reader-got hellox cat /tmp/pipe2
# The pollers returned, each with every event it asked for (and ERR, HUP):
# the file answered them as it went. epoll may have asked again after the
# entry was gone (procfs then answers IN).
wait $unload_pollers
check_cmd $T.poll.unload.proc PRI,ERR,HUP cat /tmp/unload.poll.proc
check_cmd $T.epoll.unload.proc yes sh -c "grep -qx 'IN\(,ERR,HUP\)\?' /tmp/unload.epoll.proc && echo yes"
# A failed init with a deferred teardown pending (modules/kfiles_initfail):
# the load fails with init's errno, and only after the teardown has run (the
# kernel frees a module whose init failed without waiting for it).
check_cmd $T.initfail.errno yes sh -c "insmod /modules/kfiles_initfail.ko 2>&1 | grep -q 'Resource temporarily unavailable' && echo yes"
# (busybox's insmod tries finit_module(), then init_module(): one or two
# loads, each "init failing" then "ticker dropped".)
check_cmd $T.initfail.order ok sh -c "dmesg | sed -n 's/.*kfiles_initfail: \\(init failing\\|ticker dropped\\)$/\\1/p' | paste -sd, | sed 's/^\\(init failing,ticker dropped,\\?\\)\\{1,2\\}$/ok/'"
check_false $T.initfail.gone sh -c "lsmod | grep -q kfiles_initfail"
