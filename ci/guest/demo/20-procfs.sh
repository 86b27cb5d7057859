# The article's procfs demo, replayed on the Rust module.
run() { echo "# $*"; sh -c "$*" 2>&1; }
echo
echo "==== procfs: procfs_exam.ko ===="
run insmod /modules/procfs_exam.ko
run ls -l /proc/myproctest
cd /proc/myproctest || exit
run cat aint
run echo 123 '>' aint
run cat aint
echo "#   (not a number: EINVAL, value kept)"
run echo abc '>' aint
run cat aint
run echo hello '>' astring
run cat astring
run readlink aint_link
run wc -c bigprocfile
run head -n 3 bigprocfile
run tail -n 1 bigprocfile
head -c 20000 /dev/urandom >/tmp/random
run cp /tmp/random bigprocfile '&&' cmp /tmp/random bigprocfile '&&' echo identical
run wc -c bigprocfile
cd /
run rmmod procfs_exam
run ls /proc/myproctest
