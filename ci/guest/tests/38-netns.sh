# /proc/net of every network namespace: procfs-rs's NetFiles
# (modules/kfiles_cover) against the C functions (modules/kfiles_cover_c:
# pernet operations with proc_create_net_single(), _single_write(),
# proc_net_mkdir(), proc_create_net()). Each namespace has its own files and
# state; a namespace torn down, or the module unloaded, while a file is open
# leaves a descriptor that fails with EIO.
. /lib.sh
T=netns
for m in kfiles_cover kfiles_cover_c; do
    check_true $T.insmod.$m insmod /modules/$m.ko
done

# SAME NAME COMMAND-WITH-{}: the command's output for the Rust file equals
# the C file's ({} is $R or $C, the file name prefix), and is not empty.
same() {
    want=$(eval "$(echo "$2" | sed "s|{}|$C|g")" 2>&1 | od -An -tx1 | tr -d ' \n')
    got=$(eval "$(echo "$2" | sed "s|{}|$R|g")" 2>&1 | od -An -tx1 | tr -d ' \n')
    if [ "$got" = "$want" ] && [ -n "$got" ]; then
        ok "$T.$1"
    else
        fail "$T.$1" "rust $(echo "$got" | cut -c1-60), C $(echo "$want" | cut -c1-60)"
    fi
}

# A namespace of its own for a sleeping process: prints its pid once the
# namespace is there. (The process must not hold the output of $(new_ns),
# which would wait for it.)
new_ns() {
    unshare -n sleep 1000 >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$(readlink /proc/1/ns/net)" ] \
        || [ ! -e /proc/$pid/net/kfiles_cover_ns ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && break
        sleep 0.1
    done
    echo $pid
}

# The initial namespace: the same bytes as C's.
R=/proc/1/net/kfiles_cover_ C=/proc/1/net/kfiles_cover_c_
init_ns=$(readlink /proc/1/ns/net)
check_cmd $T.init.ns.text "$init_ns level 0" cat ${R}ns
same init.ns "cat {}ns"
same init.level "cat {}level"
for v in 5 -3 0x10 077 2147483647 abc 2147483648; do
    same "init.level.write-$v" "printf %s $v >{}level; echo rc=\$?"
    same "init.level.after-$v" "cat {}level"
done
same init.ns.after "cat {}ns"
same init.lines "cat {}dir/lines"
same init.lines.bs1 "dd if={}dir/lines bs=1 status=none"
check_cmd $T.init.lines.first "line 1 of $init_ns" head -n 1 ${R}dir/lines
check_cmd $T.init.dir.mode.text "directory 555" stat -c '%F %a' ${R}dir
same init.dir.mode "stat -c '%F %a' {}dir"
same init.level.mode "stat -c '%F %a' {}level"

# Two more namespaces: each its own inode number and level, C's too.
P1=$(new_ns) P2=$(new_ns)
ns1=$(readlink /proc/$P1/ns/net) ns2=$(readlink /proc/$P2/ns/net)
check_true $T.ns.distinct test "$ns1" != "$init_ns" -a "$ns2" != "$init_ns" -a "$ns1" != "$ns2"
check_cmd $T.ns1.ns "$ns1 level 0" cat /proc/$P1/net/kfiles_cover_ns
check_cmd $T.ns2.lines "line 3 of $ns2" tail -n 1 /proc/$P2/net/kfiles_cover_dir/lines
R=/proc/$P1/net/kfiles_cover_ C=/proc/$P1/net/kfiles_cover_c_
same ns1.write "echo 7 >{}level; cat {}ns"
R=/proc/$P2/net/kfiles_cover_ C=/proc/$P2/net/kfiles_cover_c_
same ns2.write "echo -9 >{}level; cat {}ns"
same ns2.lines.same "cat {}dir/lines"
check_cmd $T.ns1.level 7 cat /proc/$P1/net/kfiles_cover_level
check_cmd $T.ns2.level -9 cat /proc/$P2/net/kfiles_cover_level
check_cmd $T.init.level.kept 2147483647 cat /proc/1/net/kfiles_cover_level
# Seen from inside the namespace, through /proc/self/net.
check_cmd $T.ns.self "line 1 of $ns1" nsenter -t $P1 -n head -n 1 /proc/self/net/kfiles_cover_dir/lines
check_cmd $T.ns.new-self 0 unshare -n cat /proc/self/net/kfiles_cover_level

# The namespace goes while a Rust file is open: the descriptors fail with
# EIO, as soon as the namespace's exit has run (the kernel's cleanup
# worker, shortly after the last process left).
exec 3</proc/$P1/net/kfiles_cover_ns 5</proc/$P1/net/kfiles_cover_dir/lines
check_cmd $T.open.read "$ns1 level 7" cat <&3
kill $P1
i=0
while dd bs=1 count=1 status=none <&3 >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -gt 100 ] && break
    sleep 0.1
done
check_cmd $T.open.gone.ns "cat: read error: Input/output error" cat <&3
check_cmd $T.open.gone.lines "cat: read error: Input/output error" cat <&5
exec 3<&- 5<&-
# A C file open keeps its namespace (seq_open_net() takes a reference): it
# still reads after the last process left. The Rust files do not.
P3=$(new_ns)
exec 4</proc/$P3/net/kfiles_cover_c_ns
ns3=$(readlink /proc/$P3/ns/net)
kill $P3
sleep 1
check_cmd $T.open.c-keeps "$ns3 level 0" cat <&4
exec 4<&-

# Unloading with a namespace alive and a file in it open: the descriptor
# fails with EIO; loading again makes the files in the namespaces that
# exist, with a new state.
exec 6</proc/$P2/net/kfiles_cover_level
check_true $T.rmmod.open rmmod kfiles_cover
check_cmd $T.rmmod.open.read "cat: read error: Input/output error" cat <&6
exec 6<&-
check_false $T.rmmod.gone test -e /proc/$P2/net/kfiles_cover_ns
check_false $T.rmmod.gone.init test -e /proc/1/net/kfiles_cover_dir
check_true $T.reload insmod /modules/kfiles_cover.ko
check_cmd $T.reload.ns2 "$ns2 level 0" cat /proc/$P2/net/kfiles_cover_ns
check_cmd $T.reload.c-kept -9 cat /proc/$P2/net/kfiles_cover_c_level

# Many namespaces made and torn down at once, with readers in them.
pids=
for i in 1 2 3 4 5 6; do
    (unshare -n sh -c 'for j in 1 2 3 4 5; do cat /proc/self/net/kfiles_cover_ns /proc/self/net/kfiles_cover_dir/lines >/dev/null; done') &
    pids="$pids $!"
done
fails=0
for p in $pids; do wait $p || fails=$((fails + 1)); done
check $T.many.ok 0 $fails
kill $P2
sleep 1
for m in kfiles_cover kfiles_cover_c; do
    check_true $T.rmmod.$m rmmod $m
done
check_false $T.gone test -e /proc/1/net/kfiles_cover_ns
