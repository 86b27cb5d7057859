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

# debugfs_create_size_t(), _ulong(), _xul(): the same text, before and
# after the same valid writes (C's parser takes more: longer input, a value
# beyond the type's range truncated; the Rust files refuse those).
for f in size_t ulong xul; do
    same $f.initial "cat {}$f"
    for v in 12345 0x10 077 18446744073709551615 0; do
        # (C's attribute files are not seekable: one plain write.)
        same "$f.write-$v" "printf %s $v >{}$f && echo written"
        same "$f.after-$v" "cat {}$f"
    done
done
check_cmd $T.xul.text 0x0000000000000000 cat $R/xul
check_cmd $T.size_t.range ERANGE kfio write $R/size_t 18446744073709551616
check_cmd $T.size_t.seek.c ESPIPE kfio write $C/size_t 1
# debugfs_initialized(), shown as a bool by both.
same initialized "cat {}initialized"
check_cmd $T.initialized.text Y cat $R/initialized
# seq_setwidth() and seq_pad(): the same columns, a wider value kept whole.
same padded "cat {}padded"
check_cmd $T.padded.first "alpha     |1       " sh -c "head -n 1 $R/padded"
check_cmd $T.padded.wide "a-name-wider-than-ten|333     " sh -c "sed -n 3p $R/padded"
# debugfs_create_regset32(), and debugfs_print_regs32() with a prefix: the
# same lines, in any block size.
same regset32 "cat {}regset32"
same regset32.bs1 "dd if={}regset32 bs=1 status=none"
same regset32.mode "stat -c %a {}regset32"
check_cmd $T.regset32.last "last = 0x070e151c" sh -c "tail -n 1 $R/regset32"
same channels "cat {}channels"
check_cmd $T.channels.last "ch1 len = 0x050a0f14" sh -c "tail -n 1 $R/channels"
# debugfs_change_name() (debugfs_rename() on 6.12): made as "before", shown
# as "renamed".
same renamed "cat {}renamed"
check_cmd $T.renamed.text 5 cat $R/renamed
check_false $T.renamed.old test -e $R/before
check_false $T.renamed.old.c test -e $C/before
# single_open_size(): the same 40000 bytes, shown once per open, in any
# block size (a page would take five runs of show; 7-byte reads cross the
# lines as 1-byte ones would, in a seventh of the calls).
same sized "cat {}sized"
same sized.bs7 "dd if={}sized bs=7 status=none"
same sized.runs "cat {}sized_runs"
check_cmd $T.sized.runs.text 2 cat $R/sized_runs
check_cmd $T.sized.size 40000 sh -c "wc -c <$R/sized"

# debugfs_create_file_size(): the size stat() shows; reads are unchanged.
same stat_size "stat -c %s {}stat_size"
check_cmd $T.stat_size.value 12345 stat -c %s $R/stat_size
same stat_size.read "cat {}stat_size"
# proc_set_size() and proc_set_user() on a file and a directory: the same
# stat(), and the owner, nobody, may read the file its mode gives it (0440).
P=/proc/kfiles_cover PC=/proc/kfiles_cover_c
check_cmd $T.proc.owned.stat "$(stat -c '%s %u %g %a' $PC/owned)" stat -c '%s %u %g %a' $P/owned
check_cmd $T.proc.owned.stat-text "4096 65534 65534 440" stat -c '%s %u %g %a' $P/owned
check_cmd $T.proc.dir.stat "$(stat -c '%u %g %a' $PC)" stat -c '%u %g %a' $P
check_cmd $T.proc.dir.stat-text "0 65534 555" stat -c '%u %g %a' $P
check_cmd $T.proc.owned.nobody 7 as_nobody cat $P/owned
check_cmd $T.proc.owned.nobody.c 7 as_nobody cat $PC/owned
# seq_list_start_head() and seq_list_next() over a list_head under a mutex;
# the Rust file is a ListFile over a kernel::list::List in a Mutex: the same
# 501 lines, in any block size and from any offset.
same clients "cat {}clients"
same clients.bs7 "dd if={}clients bs=7 status=none"
same clients.bs4096 "dd if={}clients bs=4096 status=none"
same clients.at5000 "kfio read {}clients 100 5000"
same clients.at-end "kfio read {}clients 100 10521" EMPTY_OK
check_cmd $T.clients.lines 501 sh -c "wc -l <$R/clients"
check_cmd $T.clients.header clients: sh -c "head -n 1 $R/clients"
check_cmd $T.clients.last "client  51581 of 500" sh -c "tail -n 1 $R/clients"
# seq_user_ns(): ids as the reader's user namespace sees them; in the
# initial one they are unchanged.
check_cmd $T.proc.reader_ids "$(cat $PC/reader_ids)" cat $P/reader_ids
check_cmd $T.proc.reader_ids.text "1000 100" cat $P/reader_ids
# In a user namespace that maps only its creator (root), neither id is
# mapped: the overflow ids. (Only kernels with user namespaces: the
# distribution-like one.)
if [ -e /proc/self/ns/user ]; then
    check_cmd $T.proc.reader_ids.userns "$(unshare -r cat $PC/reader_ids)" unshare -r cat $P/reader_ids
    check_cmd $T.proc.reader_ids.userns-text "65534 65534" unshare -r cat $P/reader_ids
fi
# seq_file_path() of the reader's standard input: the same escaped path,
# for odd names, a deleted file and a device.
printf x >"/tmp/a b"
printf x >"/tmp/tab	and
newline"
printf x >/tmp/back\\slash
for f in "/tmp/a b" "/tmp/tab	and
newline" /tmp/back\\slash /dev/null; do
    n=$T.proc.stdin_path.$(echo "$f" | tr -c 'a-z\n' _ | head -n 1)
    check_cmd $n "$(cat $PC/stdin_path <"$f")" cat $P/stdin_path <"$f"
done
check_cmd $T.proc.stdin_path.text '/tmp/a\040b' cat $P/stdin_path <"/tmp/a b"
check_cmd $T.proc.stdin_path.text-nl '/tmp/tab\011and\012newline' cat $P/stdin_path <"/tmp/tab	and
newline"
exec 3</tmp/a\ b
rm "/tmp/a b"
# (" (deleted)" is part of the path, escaped as the rest.)
check_cmd $T.proc.stdin_path.deleted '/tmp/a\040b\040(deleted)' cat $P/stdin_path <&3
check_cmd $T.proc.stdin_path.deleted.c '/tmp/a\040b\040(deleted)' cat $PC/stdin_path <&3
exec 3<&-
# Without a standard input, cat's open of the file takes descriptor 0: the
# file shows its own path.
check_cmd $T.proc.stdin_path.self $P/stdin_path sh -c "cat $P/stdin_path <&-"
check_cmd $T.proc.stdin_path.self.c $PC/stdin_path sh -c "cat $PC/stdin_path <&-"
# proc_create_mount_point(): an empty directory nothing is created in, that
# a file system mounts on.
check_cmd $T.proc.mnt.stat "$(stat -c '%a %F %h' $PC/mnt)" stat -c '%a %F %h' $P/mnt
check_cmd $T.proc.mnt.stat-text "555 directory 2" stat -c '%a %F %h' $P/mnt
check_cmd $T.proc.mnt.empty "" ls -A $P/mnt
check_false $T.proc.mnt.mkdir mkdir $P/mnt/x
check_false $T.proc.mnt.mkdir.c mkdir $PC/mnt/x
for d in $P/mnt $PC/mnt; do
    n=$T.proc.mnt.$(basename $(dirname $d))
    check_true $n.mount mount -t tmpfs none $d
    check_true $n.write sh -c "echo mounted >$d/f"
    check_cmd $n.read mounted cat $d/f
    check_true $n.umount umount $d
    check_false $n.gone test -e $d/f
done
# Still mounted when the module goes: the mount is detached, nothing breaks.
check_true $T.proc.mnt.mount-at-rmmod mount -t tmpfs none $P/mnt
for m in kfiles_cover kfiles_cover_c; do
    check_true $T.rmmod.$m rmmod $m
done
check_false $T.proc.mnt.detached test -e $P/mnt/f
umount -l $P/mnt 2>/dev/null
check_false $T.gone test -e $R
check_false $T.gone.proc test -e $P
check_false $T.gone.proc.c test -e $PC
