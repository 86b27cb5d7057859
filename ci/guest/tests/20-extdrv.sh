# The external driver (ci/extdrv): a module built outside modules/ with the
# Kbuild fragment, using Bounded, Hex, plain values and callback files.
. /lib.sh
D=/sys/kernel/debug/kfiles-extdrv
T=extdrv

check_true $T.insmod insmod /modules/kfiles_extdrv.ko
check_cmd $T.answer 42 cat $D/answer
check "$T.answer.mode" 444 "$(stat -c %a $D/answer)"
# Root may open a 0444 file for writing; a read-only file has no write op.
check_cmd $T.answer.readonly EINVAL kfio write $D/answer 1
check_cmd $T.level.initial 3 cat $D/level
check_cmd $T.level.max "ok 2" kfio write $D/level 10
check_cmd $T.level.over ERANGE kfio write $D/level 11
check_cmd $T.level.type-over ERANGE kfio write $D/level 256
check_cmd $T.level.kept 10 cat $D/level
check_cmd $T.mask.initial 0x000000f0 cat $D/mask
check_cmd $T.mask.write "ok 6" kfio write $D/mask 0xbeef
check_cmd $T.mask.read 0x0000beef cat $D/mask
check_cmd $T.mask.decimal "ok 2" kfio write $D/mask 16
check_cmd $T.mask.decimal.read 0x00000010 cat $D/mask
check_cmd $T.counter.initial count=0 cat $D/counter
echo inc >$D/counter
echo inc >$D/counter
check_cmd $T.counter.inc count=2 cat $D/counter
check_cmd $T.counter.bad EINVAL kfio write $D/counter dec
check_cmd $T.counter.kept count=2 cat $D/counter
echo reset >$D/counter
check_cmd $T.counter.reset count=0 cat $D/counter
# The other scalar types: limits, signs, hex formats.
Y=$D/types
limit() { # NAME FILE INPUT EXPECTED_WRITE EXPECTED_READ
    check_cmd "$T.$1.write" "$4" kfio write "$2" "$3"
    check_cmd "$T.$1.read" "$5" cat "$2"
}
limit u64.max $Y/u64 18446744073709551615 "ok 20" 18446744073709551615
limit u64.over $Y/u64 18446744073709551616 ERANGE 18446744073709551615
limit u64.neg $Y/u64 -1 EINVAL 18446744073709551615
limit usize.max $Y/usize 0xffffffffffffffff "ok 18" 18446744073709551615
limit usize.over $Y/usize 0x10000000000000000 ERANGE 18446744073709551615
limit i32.min $Y/i32 -2147483648 "ok 11" -2147483648
limit i32.under $Y/i32 -2147483649 ERANGE -2147483648
limit i32.max $Y/i32 2147483647 "ok 10" 2147483647
limit i32.over $Y/i32 2147483648 ERANGE 2147483647
limit i32.neghex $Y/i32 -0x10 "ok 5" -16
limit i32.garbage $Y/i32 -x EINVAL -16
limit i64.min $Y/i64 -9223372036854775808 "ok 20" -9223372036854775808
limit i64.under $Y/i64 -9223372036854775809 ERANGE -9223372036854775808
limit x8.read $Y/x8 0xab "ok 4" 0xab
limit x8.over $Y/x8 0x100 ERANGE 0xab
limit x8.decimal $Y/x8 7 "ok 1" 0x07
limit x16.read $Y/x16 4660 "ok 4" 0x1234
limit x64.max $Y/x64 18446744073709551615 "ok 20" 0xffffffffffffffff
limit x64.small $Y/x64 1 "ok 1" 0x0000000000000001
check_cmd $T.flag Y cat $Y/flag
check "$T.flag.mode" 444 "$(stat -c %a $Y/flag)"

check_cmd $T.table "$(printf 'values:\n10\n20\n30')" cat $D/table
check_cmd $T.escaped 'a\040b\011c\134d' sed -n 1p $D/escaped
check_cmd $T.escaped.only-listed "$(printf 'x\001y')" sed -n 2p $D/escaped
check_cmd $T.escaped.empty-list '\141\142' sed -n 3p $D/escaped

# A seq_file in debugfs: 10000 lines, the same for every read size.
i=0
while [ $i -lt 10000 ]; do echo $i; i=$((i + 1)); done >/tmp/numbers
for bs in 1 7 4096 65536; do
    kfio read $D/numbers $bs >/tmp/out
    check_true $T.numbers.bs$bs cmp /tmp/numbers /tmp/out
done
check_cmd $T.numbers.lseek0 "same $(wc -c </tmp/numbers)" kfio reread $D/numbers
check_cmd $T.numbers.offset 9999 sh -c "kfio read $D/numbers 4096 \$((\$(wc -c </tmp/numbers) - 5))"

# Dropping a File while user space holds it open: later calls fail with EIO.
exec 3<$D/counter
check "$T.remove_counter.mode" 200 "$(stat -c %a $D/remove_counter)"
check_cmd $T.remove_counter.bad EINVAL kfio write $D/remove_counter x
check_true $T.remove_counter.still-there test -e $D/counter
check_cmd $T.remove_counter "ok 2" kfio write $D/remove_counter '1\n'
check_false $T.remove_counter.gone test -e $D/counter
got=$(cat <&3 2>&1)
case $got in *"Input/output error"* | *"I/O error"*) ok $T.remove_counter.open-fd-eio ;; *) fail $T.remove_counter.open-fd-eio "read gave '$got'" ;; esac
exec 3<&-
check_cmd $T.remove_counter.again "ok 1" kfio write $D/remove_counter 1
check_true $T.rmmod rmmod kfiles_extdrv
check_false $T.gone test -e $D
