#!/bin/bash
# Test VM runner: boots the guest kernel under qemu (TCG, no network) and runs COMMAND from the
# host filesystem in it, in the caller's directory; streams its output and exits with its code.
set -eu
usage() { echo "usage: $0 [--kver VER] [--timeout SECONDS] -- COMMAND [ARG...]" >&2; exit 2; }
kver_opt=() timeout=600
while [ $# -gt 0 ]; do
	case $1 in
	--kver) [ $# -ge 2 ] || usage; kver_opt=(--kver "$2"); shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage

cache=$("$(dirname "$0")/prepare.sh" "${kver_opt[@]}")
run=$(mktemp -d /tmp/sluice-vm.XXXXXX)
qemu_pid=
cleanup() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest's command: the caller's environment (less what only means something on this host),
# directory and arguments, quoted for sh.
q() { local sq="'\\''"; printf "'%s'" "${1//\'/$sq}"; }
{
	while IFS= read -r -d '' v; do
		case ${v%%=*} in
		PWD|OLDPWD|SHLVL|_|TMPDIR|DISPLAY|SSH_*|XDG_*|DBUS_*|MFLAGS|*[!A-Za-z0-9_]*) continue ;;
		MAKEFLAGS) v=$(echo "$v" | sed 's/ *--jobserver-[a-z]*=[^ ]*//g') ;;
		esac
		echo "export $(q "$v")"
	done < <(env -0)
	echo "cd $(q "$PWD") || { echo 'sluice-vm: no such directory in the guest' >&2; exit 125; }"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	echo
} >"$run/cmd"
# The caller's directory is also shared on its own: under /tmp (a CI checkout, say) it would
# be hidden by the guest's own tmpfs.
printf '%s\n' "$PWD" >"$run/cwd"

# Serial ports: ttyS0 (console) and ttyS2 (the command's stderr) -> stderr, ttyS1 -> stdout.
# Through pipes: qemu reopening the caller's stdout would not share its file offset.
mkfifo "$run/con" "$run/out" "$run/err"
cat "$run/con" >&2 &
cat "$run/out" &
cat "$run/err" >&2 &
rc=0
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
	-display none -monitor none -no-reboot -nic none \
	-kernel "$cache/kernel" -initrd "$cache/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 sluice_vm=1 mitigations=off" \
	-chardev file,id=con,path="$run/con" -serial chardev:con \
	-chardev file,id=out,path="$run/out" -serial chardev:out \
	-chardev file,id=err,path="$run/err" -serial chardev:err \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
	-fsdev local,id=run,path="$run",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=run,mount_tag=sluicerun \
	-fsdev local,id=cwd,path="$PWD",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=cwd,mount_tag=sluicecwd \
	</dev/null &
qemu_pid=$!
wait "$qemu_pid" || rc=$?
qemu_pid=
# Let every cat end, also one whose fifo qemu never opened.
for f in con out err; do exec 3<>"$run/$f" 3>&-; done
wait
if [ -s "$run/rc" ]; then
	exit "$(cat "$run/rc")"
elif [ "$rc" = 124 ]; then
	echo "sluice-vm: timed out after ${timeout}s" >&2
	exit 124
fi
echo "sluice-vm: the guest did not report an exit code (qemu exit $rc)" >&2
exit 125
