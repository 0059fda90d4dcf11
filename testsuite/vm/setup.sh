#!/bin/bash
# Install what src/run/sonde-vm and testsuite/vm need (Debian, run as root).
# Idempotent: installs only missing packages, and runs "apt-get update"
# only when a base package is missing.  The 6.12 cloud kernel (image and
# headers, and its -dbg package for symbols) is added when the package
# lists offer it.

set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

base_packages=(qemu-system-x86 busybox-static cpio gcc make
               linux-image-cloud-amd64 linux-headers-cloud-amd64)
optional_packages=(linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
                   linux-image-6.12-cloud-amd64-dbg)

# True if package $1 is installed.
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# True if the package lists offer a candidate for package $1.
available() {
    local cand
    cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [[ -n $cand && $cand != "(none)" ]]
}

# Print the packages among the arguments that are not installed.
missing() {
    local p
    for p in "$@"; do
        installed "$p" || echo "$p"
    done
}

# Print the missing optional packages the package lists offer; report
# the others.
missing_optional() {
    local p
    for p in $(missing "${optional_packages[@]}"); do
        if available "$p"; then
            echo "$p"
        else
            echo "setup: $p is not in the archive; skipping it" >&2
        fi
    done
}

main() {
    local -a need
    mapfile -t need < <(missing "${base_packages[@]}")
    if ((${#need[@]})); then
        apt-get update -q
    fi
    mapfile -t -O "${#need[@]}" need < <(missing_optional)
    if ((${#need[@]} == 0)); then
        echo "setup: everything is installed"
        return
    fi
    echo "setup: installing ${need[*]}"
    apt-get install -y -q --no-install-recommends "${need[@]}"
}

main "$@"
