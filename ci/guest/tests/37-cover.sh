# The rest of the four headers (modules/kfiles_cover) against the C functions
# themselves (modules/kfiles_cover_c): the same reads give the same bytes.
# Where the Rust form is stricter than C, the difference is checked too.
. /lib.sh
T=cover
for m in kfiles_cover kfiles_cover_c; do
    check_true $T.insmod.$m insmod /modules/$m.ko
done
R=/sys/kernel/debug/kfiles_cover C=/sys/kernel/debug/kfiles_cover_c

# SAME NAME COMMAND-WITH-{}: the command's output for the Rust file equals
# the C file's, and is not empty unless EMPTY_OK.
same() {
    want=$(eval "$(echo "$2" | sed "s|{}|$C/|g")" 2>&1 | od -An -tx1 | tr -d ' \n')
    got=$(eval "$(echo "$2" | sed "s|{}|$R/|g")" 2>&1 | od -An -tx1 | tr -d ' \n')
    if [ "$got" = "$want" ] && { [ -n "$got" ] || [ "$3" = EMPTY_OK ]; }; then
        ok "$T.$1"
    else
        fail "$T.$1" "rust $(echo "$got" | cut -c1-60), C $(echo "$want" | cut -c1-60)"
    fi
}

# debugfs_create_blob(), read-only: every block size and offset.
for bs in 1 7 300 4096; do
    same blob.read-bs$bs "kfio read {}blob $bs"
done
for off in 5 299; do
    same blob.read-at$off "kfio read {}blob 16 $off"
done
same blob.read-at300 "kfio read {}blob 16 300" EMPTY_OK
same blob.read-far "kfio read {}blob 16 100000" EMPTY_OK
check_cmd $T.blob.size 300 sh -c "wc -c <$R/blob"
same blob.seek-end "kfio seek {}blob 0 end"
# Stricter than C, which lets root write into a read-only blob.
check_cmd $T.blob.write-refused EINVAL kfio pwrite $R/blob x 0
# debugfs_create_blob(), writable: the same writes inside it, then the same
# bytes; at the end C returns 0 and the Rust blob ENOSPC.
same blob_rw.initial "cat {}blob_rw"
same blob_rw.pwrite "kfio pwrite {}blob_rw abc 10"
same blob_rw.pwrite-tail "kfio pwrite {}blob_rw wxyz 62"
same blob_rw.write "kfio write {}blob_rw 0123456789 20"
same blob_rw.after "cat {}blob_rw"
check_cmd $T.blob_rw.end.c "ok 0" kfio pwrite $C/blob_rw x 64
check_cmd $T.blob_rw.end.rust ENOSPC kfio pwrite $R/blob_rw x 64
same blob_rw.unchanged "cat {}blob_rw"
# debugfs_create_u32_array(): "1 22 333 4294967295\n", and nothing for none.
same u32_array "cat {}u32_array"
check_cmd $T.u32_array.text "1 22 333 4294967295" cat $R/u32_array
same u32_array.bs1 "dd if={}u32_array bs=1 status=none"
# C's file is not seekable (pread fails with ESPIPE); the Rust one, a
# seq_file, serves pread too.
check_cmd $T.u32_array.pread.c ESPIPE kfio read $C/u32_array 4 2
same u32_empty "cat {}u32_empty" EMPTY_OK
check_cmd $T.u32_empty.size 0 sh -c "wc -c <$R/u32_empty"
# debugfs_create_symlink(): the same target, and it reaches the blob.
check_cmd $T.link.target "$(readlink $C/link)" readlink $R/link
check_cmd $T.link.target-text blob readlink $R/link
check_true $T.link.reaches cmp $R/link $R/blob
check_true $T.link.reaches-c cmp $C/link $R/blob

for m in kfiles_cover kfiles_cover_c; do
    check_true $T.rmmod.$m rmmod $m
done
check_false $T.gone test -e $R
