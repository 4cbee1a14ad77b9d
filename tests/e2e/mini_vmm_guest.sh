#!/bin/sh
# /vdm/run.sh of the mini-vmm e2e guest: wait for the hot-added device, print what Linux gave
# it (sysfs resources, its root port's windows, its dmesg lines), say so (the VMM then asks for
# it back), and wait until the guest's own acpiphp has removed it.
dev=/sys/bus/pci/devices/0000:01:00.0
port=/sys/bus/pci/devices/0000:00:01.0
wait_for() { # wait_for present|gone: up to 60 s
  i=0
  while [ $i -lt 600 ]; do
    if [ "$1" = present ]; then [ -e $dev/resource ] && return 0; else [ -e $dev ] || return 0; fi
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
wait_for present || { echo "MINI-GUEST: no device appeared in 60 s"; exit 1; }
echo "MINI-GUEST: vendor $(cat $dev/vendor) device $(cat $dev/device)"
n=0
while read -r s e f; do
  [ $n -le 5 ] && [ $((f)) -ne 0 ] && echo "MINI-GUEST: bar$n $s $e"
  n=$((n + 1))
done <$dev/resource
n=0
while read -r s e f; do # lines 13-15: the bridge's I/O, memory and prefetchable windows
  [ $n -ge 13 ] && [ $n -le 15 ] && echo "MINI-GUEST: window$((n - 13)) $s $e"
  n=$((n + 1))
done <$port/resource
dmesg | grep '0000:01:00.0' | sed 's/^/MINI-GUEST dmesg: /'
echo "MINI-GUEST: BARs assigned"
wait_for gone || { echo "MINI-GUEST: the device is still there after 60 s"; exit 1; }
echo "MINI-GUEST: device removed"
