#!/bin/bash
# Test VM cache: installs the guest kernel and tools, builds netdevsim out of tree and the
# initramfs once per kernel version; prints the cache directory (/var/cache/sluice-vm/<kver>).
set -eu
usage() { echo "usage: $0 [--kver VER]" >&2; exit 2; }
kver=
while [ $# -gt 0 ]; do
	case $1 in
	--kver) [ $# -ge 2 ] || usage; kver=$2; shift 2 ;;
	*) usage ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
deps=$here/../../tools/deps.sh
say() { echo "  VM      $*" >&2; }

# Modules insmod'ed at boot, with their dependencies first; those built in are skipped.
# The rest of /lib/modules/<kver> is loaded on demand from the host tree inside the guest.
BOOT_MODS="virtio_pci 9pnet_virtio 9p"
TEST_MODS="psample veth macvlan macvtap bridge vxlan tun ifb sch_ingress cls_bpf act_bpf"

# Guest kernel: the one linux-image-amd64 points at unless asked for another.
if [ -z "$kver" ]; then
	"$deps" linux-image-amd64 >&2
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
	[ -n "$kver" ] || { echo "sluice-vm: cannot tell the kernel of linux-image-amd64" >&2; exit 1; }
fi
series=$(echo "$kver" | cut -d. -f1-2)
"$deps" "linux-image-$kver" "linux-headers-$kver" "linux-source-$series" qemu-system-x86 \
	busybox-static kmod xz-utils cpio gcc make jq >&2

cache=${SLUICE_VM_CACHE:-/var/cache/sluice-vm}/$kver
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
ko=$cache/netdevsim.ko
img=$cache/initramfs.cpio.gz
kernel=$cache/kernel
vmlinuz=/boot/vmlinuz-$kver
# A piece is rebuilt when missing or older than the kernel package (same ABI name, new build).
stale() { [ ! -s "$1" ] || [ "$vmlinuz" -nt "$1" ]; }

if stale "$ko"; then
	say "netdevsim for $kver"
	img_ver=$(dpkg-query -W -f='${Version}' "linux-image-$kver")
	src_ver=$(dpkg-query -W -f='${Version}' "linux-source-$series")
	[ "$img_ver" = "$src_ver" ] ||
		echo "sluice-vm: warning: linux-source-$series $src_ver != linux-image-$kver $img_ver" >&2
	rm -rf "$cache/src"
	mkdir "$cache/src"
	tar -xJf "/usr/src/linux-source-$series.tar.xz" -C "$cache/src" \
		"linux-source-$series/drivers/net/netdevsim"
	dir=$cache/src/linux-source-$series/drivers/net/netdevsim
	make -C "/lib/modules/$kver/build" M="$dir" CONFIG_NETDEVSIM=m -j"$(nproc)" modules \
		>"$cache/build.log" 2>&1 || { cat "$cache/build.log" >&2; exit 1; }
	strip --strip-debug -o "$ko.tmp" "$dir/netdevsim.ko"
	mv "$ko.tmp" "$ko"
	rm -rf "$cache/src"
fi

# The kernel uncompressed, booted through its PVH entry: it saves the ~7 s that decompressing
# vmlinuz takes under TCG. Kernels without PVH boot from vmlinuz.
if stale "$kernel"; then
	say "vmlinux for $kver"
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
	if grep -q '^CONFIG_PVH=y' "/boot/config-$kver" && [ -n "$off" ] &&
		tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream >"$kernel.tmp" 2>/dev/null &&
		[ "$(head -c 4 "$kernel.tmp" | tail -c 3)" = ELF ]; then
		mv "$kernel.tmp" "$kernel"
	else
		rm -f "$kernel.tmp" "$kernel"
		cp "$vmlinuz" "$kernel"
	fi
fi

# The initramfs, also when older than the scripts that make it.
if stale "$img" || [ "$here/guest-init" -nt "$img" ] || [ "$0" -nt "$img" ] || [ "$ko" -nt "$img" ]; then
	say "initramfs for $kver"
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/bin" "$root/sbin" "$root/modules" "$root/proc" "$root/sys" "$root/dev" \
		"$root/newroot"
	cp /bin/busybox "$root/bin/busybox"
	cp "$here/guest-init" "$root/init"
	printf '#!/bin/sh\n# Kernel module autoloading: the host module tree of the chroot.\nexec /bin/chroot /newroot /sbin/modprobe "$@"\n' \
		>"$root/sbin/modprobe-chroot"
	chmod 755 "$root/init" "$root/sbin/modprobe-chroot"
	# Path of a module, empty when it is built in or absent.
	modpath() {
		if [ "$1" = netdevsim ]; then echo "$ko"; return; fi
		modinfo -k "$kver" -F filename "$1" 2>/dev/null | grep '^/' || true
	}
	# Append a module to $added after its dependencies, once.
	order() {
		local p d
		case " $added " in *" $1 "*) return 0 ;; esac
		p=$(modpath "$1")
		[ -n "$p" ] || return 0
		for d in $(modinfo -F depends "$p" | tr , ' '); do order "$d"; done
		added="$added $1"
	}
	added=
	for m in $BOOT_MODS $TEST_MODS netdevsim; do order "$m"; done
	for m in $added; do
		p=$(modpath "$m")
		case $p in
		*.xz) xz -dc "$p" ;;
		*.zst) zstd -qdc "$p" ;;
		*.gz) gzip -dc "$p" ;;
		*) cat "$p" ;;
		esac >"$root/modules/$m.ko"
	done
	echo "${added# }" >"$root/modules/order"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$img.tmp"
	mv "$img.tmp" "$img"
fi
echo "$cache"
