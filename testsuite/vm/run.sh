#!/bin/bash
# Kernel-side tests in a qemu VM (see doc/vm.md).
exec bash "$(dirname "$0")/run-vm-tests.sh" "$@"
