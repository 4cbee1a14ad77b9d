#!/bin/sh
# /vdm/hp-watch of the hotplug e2e guest: every 5 ms, list /proc/bus/pci (a function appears
# there only once acpiphp has assigned its resources and added it) and report the changes:
#   VDM-HP add 0000:01:00.0 bar0=0xSTART-0xEND bar2=0xSTART-0xEND
#   VDM-HP remove 0000:01:00.0
# Only shell builtins run in the loop (read -t on a FIFO nobody writes is the 5 ms sleep), so
# polling costs the guest no fork.  Used for QEMU and vmm-example alike.  Bus folders are
# /proc/bus/pci/01 on x86 and /proc/bus/pci/0000:01 on arm64 (its pci_proc_domain is 1); a
# pattern that matches nothing stays as it is and is skipped below.
exec 3<>/tmp/vdm-never
bus2=/proc/bus/pci/[0-9a-f][0-9a-f]
bus4=/proc/bus/pci/[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]
set -- $bus2/* $bus4/*
prev="$*"
# Ready only once the first snapshot is taken: a device_add the test sends right after this
# line must show up as a change (printing it from run.sh raced with this snapshot).
echo "VDM-HP-READY"
while :; do
  set -- $bus2/* $bus4/* # a builtin glob: no command substitution, no fork
  now="$*"
  if [ "$now" != "$prev" ]; then
    for f in $now; do
      case " $prev " in *" $f "*) continue ;; esac
      case $f in *"["*) continue ;; esac
      b=${f#/proc/bus/pci/} # /proc/bus/pci/01/00.0 or .../0000:01/00.0 -> 0000:01:00.0
      case $b in *:*) d="${b%%/*}:${b#*/}" ;; *) d="0000:${b%%/*}:${b#*/}" ;; esac
      out="VDM-HP add $d"
      i=0
      while read -r s e fl; do
        [ $i -le 5 ] && [ $((fl)) -ne 0 ] && out="$out bar$i=$s-$e"
        i=$((i + 1))
      done <"/sys/bus/pci/devices/$d/resource"
      echo "$out"
    done
    for f in $prev; do
      case " $now " in *" $f "*) continue ;; esac
      case $f in *"["*) continue ;; esac
      b=${f#/proc/bus/pci/}
      case $b in *:*) echo "VDM-HP remove ${b%%/*}:${b#*/}" ;; *) echo "VDM-HP remove 0000:${b%%/*}:${b#*/}" ;; esac
    done
    prev=$now
  fi
  read -r -t 0.005 -u 3 _
done
