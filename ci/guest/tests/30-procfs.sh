# procfs-rs through the procfs_exam demo: aint, astring, bigprocfile and the
# symlink; bad input, byte-exact round trips at several block sizes,
# concurrency, permissions, unloading with files open.
. /lib.sh
P=/proc/myproctest
T=procfs

check_true $T.insmod insmod /modules/procfs_exam.ko
check "$T.dir.mode" 755 "$(stat -c %a $P)"
for f in aint astring bigprocfile; do
    check "$T.$f.mode" 644 "$(stat -c %a $P/$f)"
done
check_cmd $T.symlink.target aint readlink $P/aint_link
check_cmd $T.symlink.read 0 cat $P/aint_link

# aint
check_cmd $T.aint.initial 0 cat $P/aint
echo 123 >$P/aint
check_cmd $T.aint.123 123 cat $P/aint
check_cmd $T.aint.nonnumber EINVAL kfio write $P/aint abc
check_cmd $T.aint.nonnumber.kept 123 cat $P/aint
for bad in '' ' 1' '1 ' 1x 0x '1\n\n' '\x00'; do
    check_cmd "$T.aint.invalid[$bad]" EINVAL kfio write $P/aint "$bad"
done
check_cmd $T.aint.invalid.kept 123 cat $P/aint
check_cmd $T.aint.negative "ok 3" kfio write $P/aint -45
check_cmd $T.aint.negative.read -45 cat $P/aint
check_cmd $T.aint.max "ok 10" kfio write $P/aint 2147483647
check_cmd $T.aint.over ERANGE kfio write $P/aint 2147483648
check_cmd $T.aint.under ERANGE kfio write $P/aint -2147483649
check_cmd $T.aint.range.kept 2147483647 cat $P/aint
check_cmd $T.aint.offset EINVAL kfio write $P/aint 5 2
check_cmd $T.aint.read.bs1 2147483647 kfio read $P/aint 1

# astring: exactly the bytes written, at most 255.
echo hello >$P/astring
check_cmd $T.astring.hello hello cat $P/astring
check_cmd $T.astring.hello.bytes 6 wc -c <$P/astring
kfio write $P/astring 'no newline' >/dev/null
check_cmd $T.astring.exact 10 wc -c <$P/astring
check_cmd $T.astring.exact.text "no newline" cat $P/astring
s255=$(printf '%0255d' 7)
check_cmd $T.astring.255 "ok 255" kfio write $P/astring "$s255"
check_cmd $T.astring.255.read "$s255" cat $P/astring
check_cmd $T.astring.256 EINVAL kfio write $P/astring "${s255}8"
check_cmd $T.astring.256.kept "$s255" cat $P/astring
check_cmd $T.astring.binary "ok 3" kfio write $P/astring 'a\x00b'
check_cmd $T.astring.binary.read "0000000 141 000 142" sh -c "od -b $P/astring | head -n 1"
check_cmd $T.astring.empty "ok 0" kfio write $P/astring ''
check_cmd $T.astring.empty.read 0 wc -c <$P/astring

# bigprocfile: the initial text, then round trips.
i=0
while [ $i -lt 256 ]; do
    printf '%05d The quick brown fox jumps over the lazy dog.\n' $i
    i=$((i + 1))
done >/tmp/initial
check_cmd $T.big.initial.size 13056 wc -c <$P/bigprocfile
check_true $T.big.initial.text cmp /tmp/initial $P/bigprocfile
check_cmd $T.big.lseek0 "same 13056" kfio reread $P/bigprocfile
for bs in 1 7 4096 65536; do
    kfio read $P/bigprocfile $bs >/tmp/out
    check_true $T.big.initial.read-bs$bs cmp /tmp/initial /tmp/out
done
head -c 65536 /dev/urandom >/tmp/rand
for bs in 1 7 4096 65536; do
    check_true "$T.big.write-bs$bs" dd if=/tmp/rand of=$P/bigprocfile bs=$bs status=none
    for rbs in 1 7 4096 65536; do
        kfio read $P/bigprocfile $rbs >/tmp/out
        check_true "$T.big.roundtrip-w$bs-r$rbs" cmp /tmp/rand /tmp/out
    done
done
head -c 5000 /dev/urandom >/tmp/small
check_true $T.big.cp cp /tmp/small $P/bigprocfile
check_true $T.big.cp.read cmp /tmp/small $P/bigprocfile
check_cmd $T.big.past-end EINVAL kfio write $P/bigprocfile x 5001
check_cmd $T.big.past-end.pwrite EINVAL kfio pwrite $P/bigprocfile x 5001
check_cmd $T.big.append.pwrite "ok 1" kfio pwrite $P/bigprocfile x 5000
check_cmd $T.big.append.size 5001 wc -c <$P/bigprocfile
printf abcdef >$P/bigprocfile
check_cmd $T.big.overwrite "ok 2" kfio write $P/bigprocfile XY 2
check_cmd $T.big.overwrite.read abXYef cat $P/bigprocfile
check_cmd $T.big.overwrite-extend "ok 4" kfio write $P/bigprocfile 1234 4
check_cmd $T.big.overwrite-extend.read abXY1234 cat $P/bigprocfile
cp /tmp/rand $P/bigprocfile
head -c 65537 /dev/urandom >/tmp/toobig
check_cmd $T.big.enospc.one-write 'No space left on device' sh -c "dd if=/tmp/toobig of=$P/bigprocfile bs=65537 status=none 2>&1 | grep -o 'No space left on device'"
check_true $T.big.enospc.kept cmp /tmp/rand $P/bigprocfile
check_cmd $T.big.enospc.append ENOSPC kfio write $P/bigprocfile x 65536
check_false $T.big.enospc.cp cp /tmp/toobig $P/bigprocfile
check_cmd $T.big.enospc.cp.size 65536 wc -c <$P/bigprocfile

# Concurrency: readers and writers on every file.
echo 7 >$P/aint
got=$(kfio hammer $P/aint 2 2 2 7 -1 123)
case $got in "ok "*) ok $T.concurrent.aint ;; *) fail $T.concurrent.aint "$got" ;; esac
printf 'aaaa\n' >$P/astring
got=$(kfio hammer $P/astring 2 2 2 'aaaa\n' 'bbbbbbbb\n')
case $got in "ok "*) ok $T.concurrent.astring ;; *) fail $T.concurrent.astring "$got" ;; esac
head -c 40000 /dev/zero | tr '\0' a >/tmp/a
head -c 30000 /dev/zero | tr '\0' b >/tmp/b
end=$(($(date +%s) + 3))
for w in a b a b; do
    (while [ "$(date +%s)" -lt $end ]; do cp /tmp/$w $P/bigprocfile; done) &
done
for r in 1 2; do
    (while [ "$(date +%s)" -lt $end ]; do cat $P/bigprocfile >/dev/null; done) &
done
wait
if cmp -s /tmp/a $P/bigprocfile || cmp -s /tmp/b $P/bigprocfile; then
    ok $T.concurrent.big
else
    fail $T.concurrent.big "content is neither writer's"
fi

# Permissions: others read 0644 files but cannot write them.
echo 7 >$P/aint
check_cmd $T.nonroot.read 7 as_nobody cat $P/aint
check_cmd $T.nonroot.write EACCES as_nobody kfio write $P/aint 1
check_cmd $T.nonroot.write.big EACCES as_nobody kfio write $P/bigprocfile 1
check_cmd $T.nonroot.kept 7 cat $P/aint

# Unloading with files open: procfs releases them; later reads fail with EIO.
exec 3<$P/bigprocfile
exec 4<$P/aint
check_true $T.rmmod.while-open rmmod procfs_exam
check_false $T.rmmod.dir-gone test -e $P
got=$(cat <&3 2>&1)
case $got in *"Input/output error"* | *"I/O error"*) ok $T.rmmod.fd-eio ;; *) fail $T.rmmod.fd-eio "read gave '$got'" ;; esac
got=$(cat <&4 2>&1)
case $got in *"Input/output error"* | *"I/O error"*) ok $T.rmmod.seq-fd-eio ;; *) fail $T.rmmod.seq-fd-eio "read gave '$got'" ;; esac
exec 3<&- 4<&-
check_true $T.reload insmod /modules/procfs_exam.ko
check_cmd $T.reload.aint 0 cat $P/aint
check_true $T.reload.big cmp /tmp/initial $P/bigprocfile
check_true $T.reload.rmmod rmmod procfs_exam
check_false $T.gone test -e $P
