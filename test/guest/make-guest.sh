#!/bin/bash
# make-guest.sh - build (or reuse) the vtrace test guest: a Debian kernel booted through PVH and an
# uncompressed busybox initramfs holding the virtio modules, test/guest/init.sh as /init, and the
# given binaries with the shared libraries ldd lists. The uncompressed vmlinux boots straight through
# its PVH entry point (QEMU -kernel, no bootloader, no decompression under TCG); the initramfs is not
# compressed either, because unpacking a compressed 110 MB archive under TCG costs seconds.
#
#   make-guest.sh [-o CACHE] [-m MODULE]... [-s SCRIPT] [BINARY[:GUEST_PATH]]...
#
#   BINARY      default dist/vtrace:/usr/bin/vtrace; GUEST_PATH defaults to /usr/bin/<basename>
#   -o CACHE    cache folder (default <repo>/test/.cache/guest)
#   -m MODULE   extra kernel module to load at boot (dependencies are resolved), e.g. -m virtio_net
#   -s SCRIPT   bake SCRIPT into the image as /guest-cmd.sh (run when no command is given at boot)
#
# Prints the image folder on stdout: IMAGE/vmlinux (or vmlinuz when no PVH ELF could be made),
# IMAGE/initramfs.cpio, IMAGE/kernel-version, IMAGE/manifest.txt.
# Cache layout (delete CACHE/debs to pick up a newer kernel package):
#   CACHE/debs/*.deb                   apt-get download results (kernel, busybox-static, xz-utils)
#   CACHE/kernel/<kernel deb>-<hash>/  vmlinux + the module closure, unpacked once per kernel and
#                                      module list; the newest 2 are kept
#   CACHE/images/<hash>/               one image per (binaries' contents, modules, -s script,
#                                      kernel deb, this script + init.sh); the newest 3 are kept
# Exit status: 0 built or reused; 3 a Debian package could not be had (no apt, no mirror); 4 a binary
# changed while it was copied (guest.ts retries); 1 other.
# Needs: bash, apt-get/apt-cache (only when CACHE/debs lacks a package), dpkg-deb, sha256sum, ldd,
# flock, xz (else xz-utils is unpacked from its .deb). Root is not needed (without it the archive has
# no /dev/console node and /init re-opens the console from devtmpfs).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=$REPO/test/.cache/guest
MODULES=(virtio_pci virtio_console virtio_rng qemu_fw_cfg)
BAKED=""
while getopts "o:m:s:h" opt; do
	case $opt in
	o) CACHE=$OPTARG ;;
	m) MODULES+=("$OPTARG") ;;
	s) BAKED=$OPTARG ;;
	h) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "usage: make-guest.sh [-o CACHE] [-m MODULE]... [-s SCRIPT] [BINARY[:GUEST_PATH]]... (-h: help)" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
SPECS=("$@")
[ ${#SPECS[@]} -gt 0 ] || SPECS=("$REPO/dist/vtrace:/usr/bin/vtrace")

log() { echo "make-guest: $*" >&2; }
die() { log "$1"; exit "${2:-1}"; }
T0=$(date +%s%N)
mkdir -p "$CACHE/debs" "$CACHE/kernel" "$CACHE/images"
CACHE=$(cd "$CACHE" && pwd)
DEBS=$CACHE/debs
STAGE=$(mktemp -d "$CACHE/.stage-XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
# Parallel builders (test runs of other sessions) serialise downloads and builds on this lock.
exec 9>"$CACHE/.lock"

# ------------------------------------------------------------------ packages
newest_deb() { ls -t "$DEBS/${1}_"*.deb 2>/dev/null | head -1 || true; }
fetch_deb() { # $1 = package -> path of its cached .deb
	local f
	f=$(newest_deb "$1")
	[ -n "$f" ] || { flock 9; f=$(newest_deb "$1"); }
	if [ -z "$f" ]; then
		command -v apt-get >/dev/null || die "no apt-get to download $1" 3
		log "downloading $1"
		(cd "$DEBS" && apt-get download "$1" >/dev/null 2>&1) ||
			{ apt-get update >/dev/null 2>&1 || true; (cd "$DEBS" && apt-get download "$1" >/dev/null 2>&1); } ||
			die "apt-get download $1 failed (no Debian mirror?)" 3
		f=$(newest_deb "$1")
	fi
	echo "$f"
}
kernel_deb() { # the flavour package linux-image-amd64 depends on; a cached one wins (offline)
	local f pkg
	f=$(ls -t "$DEBS"/linux-image-[0-9]*-amd64_*.deb 2>/dev/null | head -1 || true)
	if [ -n "$f" ]; then echo "$f"; return; fi
	flock 9
	command -v apt-cache >/dev/null || die "no apt-cache to find the kernel package" 3
	depends() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
	pkg=$(depends)
	[ -n "$pkg" ] || { apt-get update >/dev/null 2>&1 || true; pkg=$(depends); }
	[ -n "$pkg" ] || die "apt-cache knows no linux-image-amd64" 3
	fetch_deb "$pkg"
}

# ------------------------------------------------------------------ cache key
# Binaries are hashed in place, and again once archived, so a concurrent rebuild (of dist/vtrace
# by another test run) cannot give an image whose key does not match its contents.
HASHES=()
SCRIPTS=$(cat "$HERE/make-guest.sh" "$HERE/init.sh" | sha256sum | cut -c1-64)
KEYS="scripts=$SCRIPTS modules=${MODULES[*]}"
i=0
for spec in "${SPECS[@]}"; do
	src=${spec%%:*} dst=${spec#*:}
	[ "$dst" != "$spec" ] || dst=/usr/bin/$(basename "$src")
	[ -f "$src" ] || die "no binary $src (for dist/vtrace: npm run build)"
	HASHES+=("$(sha256sum <"$src" | cut -c1-64)")
	KEYS+=" $dst=${HASHES[$i]}"
	i=$((i + 1))
done
[ -z "$BAKED" ] || KEYS+=" baked=$(sha256sum "$BAKED" | cut -c1-64)"
KDEB=$(kernel_deb)
BBDEB=$(fetch_deb busybox-static)
KEYS+=" kernel=$(basename "$KDEB") busybox=$(basename "$BBDEB")"
KEY=$(echo "$KEYS" | sha256sum | cut -c1-16)
IMAGE=$CACHE/images/$KEY
if [ -f "$IMAGE/initramfs.cpio" ]; then
	touch "$IMAGE"
	log "reusing $IMAGE ($((($(date +%s%N) - T0) / 1000000)) ms)"
	echo "$IMAGE"
	exit 0
fi

# Another builder may be making the same image.
flock 9
if [ -f "$IMAGE/initramfs.cpio" ]; then echo "$IMAGE"; exit 0; fi

# ------------------------------------------------------------------ kernel stage (once per kernel)
XZ=$(command -v xz || true)
if [ -z "$XZ" ]; then
	dpkg-deb -x "$(fetch_deb xz-utils)" "$STAGE/xz"
	XZ=$STAGE/xz/usr/bin/xz
fi
unpack_ko() { # $1 = module file, maybe compressed -> stdout
	case $1 in
	*.ko.xz) "$XZ" -dc "$1" ;;
	*.ko.zst) zstd -dqc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
# Keyed on KSTAGE_FORMAT, not the whole script: bump it when this stage's output changes.
KSTAGE_FORMAT=1
KSTAGE=$CACHE/kernel/$(basename "$KDEB" .deb)-$(echo "$KSTAGE_FORMAT ${MODULES[*]}" | sha256sum | cut -c1-8)
if [ ! -f "$KSTAGE/modules.order" ]; then
	log "unpacking $(basename "$KDEB")"
	KX=$STAGE/kernel
	dpkg-deb -x "$KDEB" "$KX"
	KVER=$(ls "$KX/lib/modules" | head -1)
	KMOD=$KX/lib/modules/$KVER
	rm -rf "$KSTAGE.tmp"
	mkdir -p "$KSTAGE.tmp/modules"
	echo "$KVER" >"$KSTAGE.tmp/kernel-version"
	cp "$KX/boot/vmlinuz-$KVER" "$KSTAGE.tmp/vmlinuz"
	# PVH ELF: Debian's vmlinuz is xz with the x86 BCJ filter; find the xz magic and unpack it
	# with xz-utils (busybox unxz rejects it). Booting it skips ~3 s of TCG decompression.
	if grep -q '^CONFIG_PVH=y' "$KX/boot/config-$KVER"; then
		off=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$KSTAGE.tmp/vmlinuz" | head -1 | cut -d: -f1 || true)
		if [ -n "$off" ]; then
			tail -c +$((off + 1)) "$KSTAGE.tmp/vmlinuz" | "$XZ" -dc --single-stream >"$KSTAGE.tmp/vmlinux" 2>/dev/null || true
			[ "$(head -c 4 "$KSTAGE.tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] ||
				{ log "warning: no PVH vmlinux; the guest boots the slower vmlinuz"; rm -f "$KSTAGE.tmp/vmlinux"; }
		fi
	fi
	# Module closure from each .ko's modinfo "depends=", written in load order (post-order DFS).
	declare -A SEEN=()
	add_module() {
		local m=${1//-/_} ko dep
		[ -z "${SEEN[$m]:-}" ] || return 0
		SEEN[$m]=1
		ko=$(find "$KMOD/kernel" \( -name "$m.ko*" -o -name "${m//_/-}.ko*" \) | head -1)
		if [ -z "$ko" ]; then
			grep -qE "/($m|${m//_/-})\.ko" "$KMOD/modules.builtin" || log "warning: no module $m in $KVER"
			return 0
		fi
		for dep in $(unpack_ko "$ko" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -1 | tr ',' ' '); do
			add_module "$dep"
		done
		unpack_ko "$ko" >"$KSTAGE.tmp/modules/$m.ko"
		echo "$m.ko" >>"$KSTAGE.tmp/modules.order"
	}
	for m in "${MODULES[@]}"; do add_module "$m"; done
	touch "$KSTAGE.tmp/modules.order"
	rm -rf "$KSTAGE" "$KX"
	mv "$KSTAGE.tmp" "$KSTAGE"
	ls -dt "$CACHE"/kernel/*/ | tail -n +3 | xargs -r rm -rf # keep 2 (images hard-link vmlinux)
fi
KVER=$(cat "$KSTAGE/kernel-version")

# ------------------------------------------------------------------ root file system
R=$STAGE/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/lib,lib64,etc,proc,sys,dev,tmp,run,root,var/tmp,lib/modules}
chmod 1777 "$R/tmp" "$R/var/tmp"
dpkg-deb -x "$BBDEB" "$STAGE/bb"
BB=$STAGE/bb/bin/busybox
cp "$BB" "$R/bin/busybox"
ln -s busybox "$R/bin/sh" # /init makes the other applet links (400 forks of ln take seconds here)
[ "$(id -u)" != 0 ] || mknod -m 600 "$R/dev/console" c 5 1
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
cp "$KSTAGE"/modules/*.ko "$R/lib/modules/" 2>/dev/null || true
cp "$KSTAGE/modules.order" "$R/etc/guest-modules"
cp "$HERE/init.sh" "$R/init"
chmod 755 "$R/init"
[ -z "$BAKED" ] || install -m 755 "$BAKED" "$R/guest-cmd.sh"

copy_libs() { # the ELF interpreter and every library ldd resolves, at the same paths
	ldd "$1" 2>/dev/null | awk '/=> \//{print $3} $1 ~ /^\//{print $1}' | while read -r lib; do
		[ -e "$R$lib" ] && continue
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
}
i=0
for spec in "${SPECS[@]}"; do
	src=${spec%%:*} dst=${spec#*:}
	[ "$dst" != "$spec" ] || dst=/usr/bin/$(basename "$src")
	mkdir -p "$R$(dirname "$dst")"
	# a hard link saves writing 100 MB; the hash is checked again after archiving
	src=$(realpath "$src")
	if [ ! -x "$src" ] || ! ln "$src" "$R$dst" 2>/dev/null; then cp "$src" "$R$dst" && chmod 755 "$R$dst"; fi
	! ldd "$R$dst" >/dev/null 2>&1 || copy_libs "$R$dst" # ldd fails on static binaries
	i=$((i + 1))
done
# usrmerge: Debian binaries name both /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu
[ ! -d "$R/lib/x86_64-linux-gnu" ] || ln -sfn ../../lib/x86_64-linux-gnu "$R/usr/lib/x86_64-linux-gnu"

# ------------------------------------------------------------------ archive
OUT=$STAGE/image
mkdir -p "$OUT"
(cd "$R" && find . | sort >"$OUT/manifest.txt")
(cd "$R" && find . | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) >"$OUT/initramfs.cpio"
i=0
for spec in "${SPECS[@]}"; do
	dst=${spec#*:}
	[ "$dst" != "$spec" ] || dst=/usr/bin/$(basename "${spec%%:*}")
	[ "$(sha256sum <"$R$dst" | cut -c1-64)" = "${HASHES[$i]}" ] ||
		die "${spec%%:*} changed while the image was built (being rebuilt?); run again" 4
	i=$((i + 1))
done
echo "$KVER" >"$OUT/kernel-version"
echo "$KEYS" >"$OUT/key.txt"
for k in vmlinux vmlinuz; do
	[ -f "$KSTAGE/$k" ] || continue
	ln "$KSTAGE/$k" "$OUT/$k" 2>/dev/null || cp "$KSTAGE/$k" "$OUT/$k"
	break
done
rm -rf "$IMAGE"
mv "$OUT" "$IMAGE"
# keep the 3 newest images (each is ~110 MB with dist/vtrace)
ls -dt "$CACHE"/images/*/ | tail -n +4 | xargs -r rm -rf
log "built $IMAGE: kernel $KVER, initramfs $(du -h "$IMAGE/initramfs.cpio" | cut -f1) in $((($(date +%s%N) - T0) / 1000000)) ms"
echo "$IMAGE"
