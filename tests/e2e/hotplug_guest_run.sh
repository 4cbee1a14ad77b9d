#!/bin/sh
# /vdm/run.sh of the hotplug e2e guest: start the PCI watcher (/vdm/hp-watch) in the background,
# writing to the console, then say VDM-HP-READY; the init's shell takes the console after it.
mkfifo /tmp/vdm-never
/vdm/hp-watch </dev/null >/dev/console 2>&1 &
echo "VDM-HP-READY"
