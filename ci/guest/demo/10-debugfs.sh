# The article's debugfs transcript, replayed on the Rust demo.
run() { echo "# $*"; sh -c "$*"; }
echo
echo "==== debugfs: debugfs_exam.ko ===="
run insmod /modules/debugfs_exam.ko
run cd /sys/kernel/debug/debugfs-exam '&&' ls -l
cd /sys/kernel/debug/debugfs-exam || exit
run cat u8_var
run echo 200 '>' u8_var
run cat u8_var
run cat bool_var
run echo 1 '>' bool_var
run cat bool_var
echo "# echo 256 > u8_var     (out of range: refused, value kept)"
echo 256 >u8_var
run cat u8_var
cd /
run rmmod debugfs_exam
run ls /sys/kernel/debug/debugfs-exam
