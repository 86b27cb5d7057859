# The article's seq_file demo, replayed on the Rust module.
run() { echo "# $*"; sh -c "$*" 2>&1; }
echo
echo "==== seq_file: seqfile_exam.ko ===="
run insmod /modules/seqfile_exam.ko
run head -n 12 /proc/exam_seq_file
run tail -n 3 /proc/exam_seq_file
run cat /proc/exam_seq_single
i=0
while [ $i -lt 300 ]; do sleep 1000 & i=$((i + 1)); done
tries=0
while [ "$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$')" -lt 300 ] && [ $tries -lt 300 ]; do
    usleep 100000
    tries=$((tries + 1))
done
echo "# (300 more processes started)"
run cat /proc/exam_seq_single
run "wc -l /proc/exam_seq_file  # every one listed, past the first page too"
killall sleep
run rmmod seqfile_exam
