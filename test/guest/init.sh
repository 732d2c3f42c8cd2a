#!/bin/sh
# PID 1 of the vtrace test guest (busybox ash). make-guest.sh copies it to /init.
# There is no udev: this script loads the virtio modules itself and makes the
# /dev/virtio-ports/<name> links from /sys/class/virtio-ports/vport*/name.
#
# Contract with test/helpers/guest.ts (the markers are matched there):
#   kernel command line  vtrace.ports=N     wait until N virtio ports have a name
#                        vtrace.cmd=BASE64  the command to run (base64 of a sh script)
#   fw_cfg file          opt/vtrace/cmd     the command, when it is too long for the command line
#   /guest-cmd.sh        a script baked into the image (make-guest.sh -s), used when neither is given
#   console              "VTRACE-GUEST-READY uptime=S init=S ports=..." once the ports exist (init=:
#                        the uptime when /init started),
#                        "VTRACE-GUEST-EXIT rc=N uptime=S" after the command, then power off.
# With no command at all it starts an interactive shell on the console.

/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=${TERM:-vt100}
mount -t devtmpfs devtmpfs /dev
# the kernel found no /dev/console in the archive when the image was built without root
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
init_uptime=$(cut -d' ' -f1 /proc/uptime)
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
ln -sfn /proc/self/fd /dev/fd
hostname vtrace-guest

# Modules in dependency order (make-guest.sh resolved the order from each module's depends=).
while read -r ko; do
	insmod "/lib/modules/$ko" || echo "init: insmod $ko failed"
done </etc/guest-modules

cmdline_arg() { # $1 = name; prints the value of name=value from the kernel command line
	for word in $(cat /proc/cmdline); do
		case $word in "$1="*) echo "${word#*=}"; return 0 ;; esac
	done
	return 1
}

# /dev/virtio-ports/<name> -> ../vportNpM, as udev's rule does. A port's name appears a moment
# after its device, so poll (up to 5 s) until vtrace.ports of them are named.
want=$(cmdline_arg vtrace.ports || echo 0)
mkdir -p /dev/virtio-ports
tries=0
while :; do
	named=0
	for p in /sys/class/virtio-ports/vport*; do
		[ -r "$p/name" ] || continue
		name=$(cat "$p/name")
		[ -n "$name" ] || continue
		ln -sfn "../${p##*/}" "/dev/virtio-ports/$name"
		named=$((named + 1))
	done
	[ "$named" -ge "$want" ] && break
	tries=$((tries + 1))
	[ "$tries" -ge 500 ] && { echo "init: only $named of $want virtio ports named"; break; }
	usleep 10000
done

script=""
if b64=$(cmdline_arg vtrace.cmd); then
	echo "$b64" | base64 -d >/run/guest-cmd.sh && script=/run/guest-cmd.sh
elif [ -r /sys/firmware/qemu_fw_cfg/by_name/opt/vtrace/cmd/raw ]; then
	cat /sys/firmware/qemu_fw_cfg/by_name/opt/vtrace/cmd/raw >/run/guest-cmd.sh && script=/run/guest-cmd.sh
elif [ -f /guest-cmd.sh ]; then
	script=/guest-cmd.sh
fi

echo "VTRACE-GUEST-READY uptime=$(cut -d' ' -f1 /proc/uptime) init=$init_uptime ports=$(ls /dev/virtio-ports | tr '\n' ' ')"
cd /root
if [ -n "$script" ]; then
	sh "$script"
	echo "VTRACE-GUEST-EXIT rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
else
	echo "no command given: interactive shell; 'poweroff -f' (or Ctrl-A x) quits"
	setsid cttyhack sh -l
fi
sync
poweroff -f
