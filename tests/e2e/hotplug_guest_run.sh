#!/bin/sh
# /vdm/run.sh of the hotplug e2e guest: start the PCI watcher (/vdm/hp-watch) in the background,
# writing to the console; it says VDM-HP-READY once it has its first snapshot.  The init's
# shell takes the console after this.
mkfifo /tmp/vdm-never
/vdm/hp-watch </dev/null >/dev/console 2>&1 &
