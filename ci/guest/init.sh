#!/bin/busybox sh
# /init of the test guest: mount the file systems, run the demo transcripts or
# every test script, report what the kernel said, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t devtmpfs devtmpfs /dev
mode=$(cat /mode)
echo
echo "KTEST-BOOTED $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
if [ "$mode" = demo ]; then
    echo "Booted Linux $(uname -r) in QEMU with $(grep -c ^processor /proc/cpuinfo) CPUs."
    for t in /demo/*.sh; do sh "$t"; done
elif [ "$mode" = bench ]; then
    for t in /bench/*.sh; do sh "$t"; done
else
    for t in /tests/*.sh; do
        echo "KTEST-FILE $(basename "$t") at $(cut -d' ' -f1 /proc/uptime) s"
        sh "$t"
    done
fi
# On debug kernels: everything is unloaded now, so kmemleak must find nothing
# (objects are reported once older than 5 s, hence the wait and two scans).
if [ "$mode" = test ] && [ -w /sys/kernel/debug/kmemleak ]; then
    sleep 6
    echo scan >/sys/kernel/debug/kmemleak
    echo scan >/sys/kernel/debug/kmemleak
    leaks=$(cat /sys/kernel/debug/kmemleak)
    if [ -z "$leaks" ]; then
        echo "KTEST ok kmemleak.none"
    else
        echo "KTEST FAIL kmemleak.none: $(echo "$leaks" | grep -c 'unreferenced object') unreferenced objects"
        echo "$leaks" | head -n 60
    fi
fi
echo "KTEST-MODULES-LEFT [$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')]"
echo "KTEST-TAINT $(cat /proc/sys/kernel/tainted)"
echo KTEST-DONE
reboot -f
