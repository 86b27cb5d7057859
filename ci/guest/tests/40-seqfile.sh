# seqfile-rs through the seqfile_exam demo: a listing many buffers long,
# complete and identical for every read size; the single-show form;
# concurrency with process churn; permissions; unloading with files open.
. /lib.sh
F=/proc/exam_seq_file
S=/proc/exam_seq_single
T=seqfile

check_true $T.insmod insmod /modules/seqfile_exam.ko
check "$T.mode" 444 "$(stat -c %a $F)"
check_cmd $T.header.1 "Current all the processes in system:" sh -c "head -n 1 $F"
check_cmd $T.header.2 "$(printf '%-24s%-5s' name pid)" sh -c "sed -n 2p $F"
check_cmd $T.init "$(printf '%-24s%-5d' init 1)" sh -c "sed -n 3p $F"

# 500 extra processes, each listed exactly once, for every read size.
i=0
while [ $i -lt 500 ]; do
    sleep 1000 &
    i=$((i + 1))
done
# A child shows as "sh" until it has exec'd sleep: wait for all of them.
tries=0
while [ "$(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$')" -lt 500 ] && [ $tries -lt 300 ]; do
    usleep 100000
    tries=$((tries + 1))
done
pids=$(jobs -p 2>/dev/null)
[ -n "$pids" ] || pids=$(pidof sleep)
echo "$pids" | tr ' ' '\n' | sort -n >/tmp/want
check_cmd $T.sleepers.started 500 sh -c "wc -l </tmp/want"
cat $F >/tmp/cat
check_cmd $T.size.many-pages yes sh -c "[ \$(wc -c </tmp/cat) -gt 12288 ] && echo yes"
awk '$1 == "sleep" {print $2}' /tmp/cat | sort -n >/tmp/got
check_true $T.all-listed cmp /tmp/want /tmp/got
check_cmd $T.no-duplicates "" sh -c "awk 'NR > 2 {print \$NF}' /tmp/cat | sort -n | uniq -d"
awk '$1 == "sleep"' /tmp/cat >/tmp/cat.sleep
dd if=$F bs=1 status=none >/tmp/dd1
awk '$1 == "sleep"' /tmp/dd1 >/tmp/dd1.sleep
check_true $T.dd-bs1.same cmp /tmp/cat.sleep /tmp/dd1.sleep
check_cmd $T.dd-bs1.header "$(head -n 2 /tmp/cat)" head -n 2 /tmp/dd1
for bs in 7 4096 65536; do
    kfio read $F $bs | awk '$1 == "sleep"' >/tmp/bs.sleep
    check_true $T.read-bs$bs.same cmp /tmp/cat.sleep /tmp/bs.sleep
done
check_cmd $T.lseek0.single "same $(wc -c <$S)" kfio reread $S
# A read at an offset returns the same bytes as a whole read from there.
# The listing is live: a kernel thread that comes or goes between the two
# reads shifts it (seen on the debug kernel), so the pair is taken again, up
# to 5 times, until none did; an offset read that is wrong never matches.
read_at_offset() {
    cat $F >/tmp/off.all
    off=$(($(head -n 40 /tmp/off.all | wc -c)))
    kfio read $F 4096 "$off" | head -n 5 >/tmp/off
    tail -c +$((off + 1)) /tmp/off.all | head -n 5 >/tmp/off.want
    cmp /tmp/off.want /tmp/off
}
tries=0
until read_at_offset >/dev/null 2>&1 || [ $tries -ge 4 ]; do tries=$((tries + 1)); done
check_true $T.read-offset cmp /tmp/off.want /tmp/off

n=$(awk 'NR > 2' /tmp/cat | wc -l)
got=$(sed 's/processes: //' $S)
if [ "$got" -ge 500 ] && [ "$got" -le $((n + 5)) ] && [ "$got" -ge $((n - 5)) ]; then
    ok $T.single.count
else
    fail $T.single.count "exam_seq_single says $got, the listing has $n"
fi

# Readers while processes come and go: RCU keeps every record alive.
# (Wait for these jobs only: the sleepers are background jobs too.)
end=$(($(date +%s) + 3))
(while [ "$(date +%s)" -lt $end ]; do sh -c 'true & true & true & wait'; done) &
jobs_=$!
for r in 1 2 3; do
    (while [ "$(date +%s)" -lt $end ]; do cat $F >/dev/null || echo readfail; done) >/tmp/churn.$r &
    jobs_="$jobs_ $!"
done
wait $jobs_
check_cmd $T.churn.reads "" cat /tmp/churn.1 /tmp/churn.2 /tmp/churn.3
killall sleep 2>/dev/null
wait 2>/dev/null
check_cmd $T.sleepers.gone 0 sh -c "awk '\$1 == \"sleep\"' $F | wc -l"

# 100,000 generated records: all there, in order, for every read size.
N=/proc/exam_seq_records
check_cmd $T.records.count 100000 sh -c "wc -l <$N"
check_cmd $T.records.first "     0 0000000000000000" sh -c "head -n 1 $N"
check_cmd $T.records.second "     1 9e3779b97f4a7c15" sh -c "sed -n 2p $N"
check_cmd $T.records.last " 99999 c7e53221884b0f0b" sh -c "tail -n 1 $N"
check_cmd $T.records.size $((100000 * 24)) sh -c "wc -c <$N"
cat $N | md5sum >/tmp/records.sum
sizes="23 24 4096 65536"
[ $SLOW = 1 ] && sizes="65536"
for bs in $sizes; do
    check_cmd $T.records.bs$bs "$(cat /tmp/records.sum)" sh -c "dd if=$N bs=$bs 2>/dev/null | md5sum"
done
small=$([ $SLOW = 1 ] && echo 4000 || echo 40000)
check_cmd $T.records.bs1 "$(head -c $small $N | md5sum)" sh -c "dd if=$N bs=1 count=$small 2>/dev/null | md5sum"
check_cmd $T.records.seek "$(sed -n '50001p' $N)" sh -c "dd if=$N bs=24 skip=50000 count=1 2>/dev/null | head -n 1"

# Permissions: 0444 for everyone, writable by no one.
check_cmd $T.nonroot.read "Current all the processes in system:" sh -c "kfio as 65534 head -n 1 $F"
check_cmd $T.nonroot.write EACCES as_nobody kfio write $F 1
check_cmd $T.root.write EIO kfio write $F 1

# Unloading with files open.
exec 3<$F
exec 4<$S
check_true $T.rmmod.while-open rmmod seqfile_exam
check_false $T.gone test -e $F
check_false $T.gone.single test -e $S
got=$(cat <&3 2>&1)
case $got in *"Input/output error"* | *"I/O error"*) ok $T.rmmod.fd-eio ;; *) fail $T.rmmod.fd-eio "read gave '$got'" ;; esac
exec 3<&- 4<&-
