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
check_cmd $T.debugfs.only-typed typed ls $D
# FileOps counts beyond the call fail with EIO and keep the position.
check_cmd $T.overcount.read EIO kfio read $P/overcount 16
check_cmd $T.overcount.write EIO kfio write $P/overcount abc
check_cmd $T.maxcount.read EIO kfio read $P/maxcount 16
check_cmd $T.maxcount.write EIO kfio write $P/maxcount abc
check_true $T.rmmod rmmod kfiles_selftest
check_false $T.gone test -e $P
