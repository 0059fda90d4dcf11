#!/bin/bash
# Installs what sonde needs on Debian 12 (as root), then configures and
# builds it out of tree in ./build.  Safe to run again: it installs only
# what is missing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

# systemtap: the reference of bench/, and its tapset library is real-world
# input for the parse group.
packages=(gcc libc6-dev make autoconf automake pkg-config flex bison libdw-dev libelf-dev
	  clang libclang-rt-14-dev
	  qemu-system-x86 busybox-static cpio
	  systemtap
	  linux-image-cloud-amd64 linux-headers-cloud-amd64 linux-image-cloud-amd64-dbg)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x testsuite/vm/setup.sh ] && bash testsuite/vm/setup.sh

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ ../configure -nt Makefile ]; then
	../configure -q
fi
make -s -j"$(nproc)"
