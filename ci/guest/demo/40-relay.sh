# The article's relay demo, replayed on the Rust module, read with relay-read.
run() { echo "# $*"; sh -c "$*" 2>&1; }
D=/sys/kernel/debug/relay-exam
echo
echo "==== relay: relay_exam.ko ===="
run insmod /modules/relay_exam.ko period_secs=0
run ls $D
run "echo 1 > $D/snapshot  # the timer does this every period_secs (60 by default)"
run "relay-read $D/example > /tmp/snapshot"
run head -n 8 /tmp/snapshot
run "tail -n 3 /tmp/snapshot | cat -A | tail -n 2  # ends with a blank line"
run cat $D/dropped
run rmmod relay_exam
