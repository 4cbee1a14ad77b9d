#!/bin/sh
# /vdm/run.sh of the config-space differential test (pci_config_diff.py): prints every PCI
# function's whole config space as the guest kernel shows it in sysfs, in hex on the console,
# and its BARs as the kernel sized them.
#   VDM-CFG <bdf> size=<bytes read>
#   VDM-CFGX <bdf> <offset, 3 hex digits> <64 hex digits = 32 bytes>
#   VDM-RES <bdf> <0..5|6 = ROM> <start> <end> <flags>      (sysfs "resource", first 7 lines)
#   VDM-CFG-END count=<functions>
n=0
for d in /sys/bus/pci/devices/*; do
  [ -r "$d/config" ] || continue
  bdf=${d##*/}
  echo "VDM-CFG $bdf size=$(wc -c <"$d/config")"
  hexdump -v -e '"VDM-CFGX '"$bdf"' " 1/0 "%03_ax " 32/1 "%02x" "\n"' "$d/config"
  i=0
  while read -r start end flags && [ $i -le 6 ]; do
    echo "VDM-RES $bdf $i $start $end $flags"
    i=$((i + 1))
  done <"$d/resource"
  n=$((n + 1))
done
echo "VDM-CFG-END count=$n"
