# debugfs-rs through the debugfs_exam demo: the article's transcript, each
# type's input rules with the errno and the kept value, offsets, partial
# writes, concurrency, permissions, and unloading with a file open.
. /lib.sh
D=/sys/kernel/debug/debugfs-exam
T=debugfs

check_true $T.insmod insmod /modules/debugfs_exam.ko
for f in u8_var u16_var u32_var bool_var; do
    check "$T.$f.mode" "644" "$(stat -c %a $D/$f)"
done

# The article's transcript.
check_cmd $T.transcript.u8.initial 0 cat $D/u8_var
echo 200 >$D/u8_var
check_cmd $T.transcript.u8.200 200 cat $D/u8_var
check_cmd $T.transcript.bool.initial N cat $D/bool_var
echo 1 >$D/bool_var
check_cmd $T.transcript.bool.Y Y cat $D/bool_var

# limits FILE MAX: max, max+1, negative, hex, octal, empty, white space,
# garbage and overlong input; after each failure the old value is kept.
limits() {
    f=$D/$1 max=$2 over=$3 n=$T.$1
    check_cmd $n.max "ok ${#max}" kfio write $f "$max"
    check_cmd $n.max.read "$max" cat $f
    check_cmd $n.max+1 ERANGE kfio write $f "$over"
    check_cmd $n.max+1.kept "$max" cat $f
    check_cmd $n.huge ERANGE kfio write $f 99999999999999999999999
    check_cmd $n.negative EINVAL kfio write $f -1
    check_cmd $n.negative.kept "$max" cat $f
    check_cmd $n.hex "ok 5" kfio write $f '0x1F\n'
    check_cmd $n.hex.read 31 cat $f
    check_cmd $n.octal "ok 3" kfio write $f 010
    check_cmd $n.octal.read 8 cat $f
    check_cmd $n.plus "ok 2" kfio write $f +7
    check_cmd $n.plus.read 7 cat $f
    for bad in '' '\n' ' 5' '5 ' '\t5' '5\n\n' '5\r\n' abc 5x 0x 08 1.5 '\x005' '--5'; do
        check_cmd "$n.invalid[$bad]" EINVAL kfio write $f "$bad"
    done
    check_cmd $n.invalid.kept 7 cat $f
    long=$(printf '%065d' 1)
    # As in C, the input is a C string: a NUL ends it.
    check_cmd $n.nul-ends-input "ok 6" kfio write $f '5\x00junk'
    check_cmd $n.nul-ends-input.read 5 cat $f
    echo 7 >$f
    check_cmd $n.overlong EINVAL kfio write $f "$long"
    check_cmd $n.overlong.kept 7 cat $f
    check_cmd $n.just-fits "ok 64" kfio write $f "$(printf '%064d' 3)"
    check_cmd $n.just-fits.read 3 cat $f
}
limits u8_var 255 256
limits u16_var 65535 65536
limits u32_var 4294967295 4294967296

b=$D/bool_var
for t in 1 y Y yes t true on ON '1\n'; do
    echo 0 >$b
    check_cmd "$T.bool.true[$t]" "ok $(printf "$t" | wc -c)" kfio write $b "$t"
    check_cmd "$T.bool.true[$t].read" Y cat $b
done
for f in 0 n N no f false off '0\n'; do
    echo 1 >$b
    check_cmd "$T.bool.false[$f]" "ok $(printf "$f" | wc -c)" kfio write $b "$f"
    check_cmd "$T.bool.false[$f].read" N cat $b
done
echo 1 >$b
for bad in '' 2 x o ' y' '\n'; do
    check_cmd "$T.bool.invalid[$bad]" EINVAL kfio write $b "$bad"
    check_cmd "$T.bool.invalid[$bad].kept" Y cat $b
done

# Offsets: a write must start at 0; reads honour any offset and block size.
f=$D/u16_var
echo 12345 >$f
check_cmd $T.offset.write EINVAL kfio write $f 7 3
check_cmd $T.offset.write.kept 12345 cat $f
check_cmd $T.offset.write0 "ok 1" kfio write $f 9 0
check_cmd $T.offset.write0.read 9 cat $f
# seq_file-backed files refuse pwrite() in the VFS (FMODE_PWRITE is off).
check_cmd $T.offset.pwrite ESPIPE kfio pwrite $f 7 0
check_cmd $T.offset.pwrite.kept 9 cat $f
echo 12345 >$f
check_cmd $T.read.bs1 12345 kfio read $f 1
check_cmd $T.read.bs3 12345 kfio read $f 3
check_cmd $T.read.offset2 345 kfio read $f 4096 2
check_cmd $T.read.offset-end "" kfio read $f 4096 100
check_cmd $T.lseek.dd 45 dd if=$f bs=1 skip=3 count=2 status=none
# Partial writes: one write() is one value, so the rest of a value written
# in pieces on one descriptor lands past offset 0 and is refused.
check_cmd $T.partial "ok 1
EINVAL
EINVAL" kfio writes $f '42\n' 1
check_cmd $T.partial.kept 4 cat $f

# Concurrent readers and writers: every read shows a whole written value
# (the initial value is one of them).
echo 7 >$D/u32_var
echo 1 >$D/bool_var
got=$(kfio hammer $D/u32_var 3 2 2 4294967295 123456 7)
case $got in "ok "*) ok $T.concurrent.u32 ;; *) fail $T.concurrent.u32 "$got" ;; esac
got=$(kfio hammer $D/bool_var 2 2 2 1=Y 0=N)
case $got in "ok "*) ok $T.concurrent.bool ;; *) fail $T.concurrent.bool "$got" ;; esac

# A non-root user cannot write a 0644 file.
echo 5 >$D/u8_var
check_cmd $T.nonroot.write EACCES as_nobody kfio write $D/u8_var 6
check_cmd $T.nonroot.kept 5 cat $D/u8_var

# Unloading: refused while a file is open, clean once it is closed.
exec 3<$D/u8_var
check_false $T.rmmod.while-open rmmod debugfs_exam
# EAGAIN: try_stop_module() refuses a module in use (busybox's rmmod is non-blocking).
check_cmd $T.rmmod.while-open.errno yes sh -c "rmmod debugfs_exam 2>&1 | grep -q 'Resource temporarily unavailable' && echo yes"
check_cmd $T.rmmod.while-open.still-works 5 cat $D/u8_var
exec 3<&-
check_true $T.rmmod rmmod debugfs_exam
check_false $T.rmmod.dir-gone test -e $D
# Loading again starts from scratch.
check_true $T.reload insmod /modules/debugfs_exam.ko
check_cmd $T.reload.initial 0 cat $D/u8_var
check_true $T.reload.rmmod rmmod debugfs_exam
