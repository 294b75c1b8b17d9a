#!/bin/bash
# nfs-server-init.sh STATE PROVISIONER ARGS...: PID 1 of the NFS provisioner's own PID and
# mount namespaces (see cluster/lib/nfs.sh). Lays out the folders the provisioner and the
# daemons it starts expect, runs the provisioner, and forwards TERM to it. When this process
# exits, the kernel ends everything left in the PID namespace: rpcbind, rpc.statd,
# dbus-daemon and ganesha.nfsd, which the provisioner starts and leaves running.
set -euo pipefail
state=$1 provisioner=$2
shift 2
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/dbus /run/rpcbind
mount --bind "$state/export" /export
mount --bind "$state/nfs/var-lib-nfs" /var/lib/nfs
"$provisioner" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
rc=0
wait "$child" || rc=$?
# A TERM interrupts the first wait; wait for the provisioner itself to end.
kill -0 "$child" 2>/dev/null && { wait "$child" || rc=$?; }
exit "$rc"
