# shellcheck shell=bash disable=SC2034,SC2154 # shared variables; checked whole through the scripts that source this
# The NFS Ganesha provisioner's container image, made here since no image can be pulled: the
# upstream image (the source's deploy/base and deploy/docker: Ganesha, rpcbind, nfs-utils and
# dbus on Fedora, the binary as /nfs-provisioner) composed the same way on Debian: a minbase
# debootstrap of the host's release, Debian's packages, the binary of build_nfs_provisioner,
# committed with buildah (storage of its own in the cache) as an OCI archive that `ctr images
# import`, `podman load` and `skopeo copy oci-archive:...` take. Cached under a key of the
# binary, the packages, the suite and this file; the archive's state is not in it, so the
# installed versions are kept beside the image. Needs debootstrap, buildah and skopeo (Debian).
# Sourced by cluster/lib/cluster.sh.

# Set by build_provisioner_image: the image as a containers-transport reference
# (`oci-archive:<cache folder>/image.tar`, which skopeo, `podman load` and `ctr images import`
# read). Beside the archive: its manifest digest (`digest`, kept by `skopeo copy` to a registry)
# and the installed Debian package versions (`packages.txt`).
NFS_PROVISIONER_IMAGE_REF=""
export NFS_PROVISIONER_IMAGE_REF

# What the provisioner runs (pkg/server/server.go, pkg/volume/provision.go): rpcinfo and rpcbind
# (rpcbind), rpc.statd (nfs-common), dbus-daemon (dbus), ganesha.nfsd and its VFS FSAL,
# `hostname -i` (hostname), chgrp and stat (coreutils, in minbase); and /etc/protocols and
# /etc/services (netbase, not in minbase: without them Ganesha cannot reach statd, "RPC: Unknown
# protocol"). Not included: xfs_quota (xfsprogs, only for -enable-xfs-quota) and exportfs (only
# for -use-ganesha=false).
PROVISIONER_IMAGE_PACKAGES=(nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common dbus hostname netbase)
PROVISIONER_IMAGE_REPO=localhost/nfs-provisioner
PROVISIONER_IMAGE_SCRIPT=${BASH_SOURCE[0]}

# debian_apt_sources: "URI SUITE" of every deb source, as apt itself reads sources.list and
# sources.list.d (one-line and deb822 files alike).
debian_apt_sources() {
  # shellcheck disable=SC2016 # apt's format, not the shell's
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' | awk '$3 == "deb" && !seen[$1 $2]++ {print $1, $2}'
}

# provisioner_image_suite: the image's Debian suite: MEHDB_PROVISIONER_IMAGE_SUITE, else the host's.
provisioner_image_suite() {
  (. /etc/os-release && echo "${MEHDB_PROVISIONER_IMAGE_SUITE:-${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}}")
}

# provisioner_image_key SUITE: the cache folder's name; the hash covers the binary, the package
# list, the suite and this file.
provisioner_image_key() {
  local hash
  hash=$( { sha256sum <"$NFS_PROVISIONER_BIN"; echo "$1"; echo "${PROVISIONER_IMAGE_PACKAGES[*]}"
    cat "$PROVISIONER_IMAGE_SCRIPT"; } | sha256sum | cut -c1-12)
  printf 'nfs-provisioner-image-%s-%s' "$1" "$hash"
}

# provisioner_rootfs ROOT SUITE MIRROR SECURITY VERSIONS: fills ROOT with a minbase Debian, the
# packages, the upstream image's tweaks and the binary; writes the package versions to VERSIONS.
# Run in a mount namespace of its own, so that what debootstrap and apt mount dies with it.
provisioner_rootfs() {
  local root=$1 suite=$2 mirror=$3 security=$4 versions=$5
  mount --make-rprivate /
  debootstrap --variant=minbase "$suite" "$root" "$mirror"
  printf 'deb %s %s main\n' "$mirror" "$suite" "$mirror" "$suite-updates" >"$root/etc/apt/sources.list"
  [[ -z $security ]] || echo "deb $security $suite-security main" >>"$root/etc/apt/sources.list"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  local apt=(chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get -o Dpkg::Use-Pty=0)
  "${apt[@]}" update
  "${apt[@]}" install -y --no-install-recommends "${PROVISIONER_IMAGE_PACKAGES[@]}"
  "${apt[@]}" clean
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  chroot "$root" dpkg-query -W -f '${Package}\t${Version}\n' >"$versions"
  umount "$root/proc"
  # As upstream: dbus's socket folder, the export folder, no systemd in nsswitch.conf. Not
  # $root/var/run/dbus: var/run is a symbolic link to the absolute /run, the host's.
  mkdir -p "$root/run/dbus" "$root/export"
  sed -i 's/systemd//' "$root/etc/nsswitch.conf"
  # Ganesha's VFS FSAL reads the mount table from /etc/mtab (setmntent), which minbase lacks:
  # without it every export fails ("Error 2 in setmntent(/etc/mtab)").
  ln -sfn ../proc/self/mounts "$root/etc/mtab"
  install -m 0755 "$NFS_PROVISIONER_BIN" "$root/nfs-provisioner"
  # What only the build needed; what the runtime provides (hostname, resolv.conf, hosts); the
  # machine ID of dbus's postinst (every container would share it; dbus-daemon needs none);
  # translations and documentation (32 and 10 MB) nothing reads, but the copyright files.
  rm -rf "$root/var/lib/dbus/machine-id" "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"* \
    "$root/var/cache/debconf/"*-old "$root/var/log/"* "$root/usr/share/"{man,info} "$root/usr/share/locale/"* \
    "$root/usr/sbin/policy-rc.d" "$root/etc/hostname" "$root/etc/resolv.conf" "$root/tmp/"*
  find "$root/usr/share/doc" ! -type d ! -name copyright -delete
  mkdir -p "$root/var/cache/apt/archives/partial"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
}

# provisioner_image_build DIR SUITE MIRROR SECURITY NAME: the image NAME as DIR/image.tar, with
# buildah's storage in DIR/storage (vfs: no mounts), removed at the end.
provisioner_image_build() {
  local dir=$1 suite=$2 mirror=$3 security=$4 name=$5 ctr mnt
  set -euo pipefail  # with_progress runs this in a subshell of its own
  export CONTAINERS_STORAGE_CONF=$dir/storage.conf
  printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$dir/storage/root" "$dir/storage/run" >"$CONTAINERS_STORAGE_CONF"
  ctr=$(buildah from scratch)
  mnt=$(buildah mount "$ctr")
  unshare -m bash -c "$(declare -f provisioner_rootfs); $(declare -p PROVISIONER_IMAGE_PACKAGES NFS_PROVISIONER_BIN)
    set -euo pipefail; provisioner_rootfs \"\$@\"" provisioner_rootfs "$mnt" "$suite" "$mirror" "$security" "$dir/packages.txt"
  buildah umount "$ctr" >/dev/null
  buildah config --os linux --arch amd64 --workingdir / --entrypoint '["/nfs-provisioner"]' --cmd '' \
    --port 2049/tcp --port 20048/tcp --port 111/tcp --port 111/udp \
    --label "org.opencontainers.image.title=nfs-provisioner" \
    --label "org.opencontainers.image.revision=$NFS_PROVISIONER_COMMIT" \
    --label "org.opencontainers.image.source=https://$NFS_PROVISIONER_MODULE" \
    --label "org.opencontainers.image.base.name=debian:$suite" "$ctr"
  buildah commit --quiet --format oci --timestamp 0 --rm "$ctr" "$name" >/dev/null
  buildah push --quiet "$name" "oci-archive:$dir/image.tar:$name"
  buildah rmi --all >/dev/null
  rm -rf "$dir/storage" "$CONTAINERS_STORAGE_CONF"
}

# build_provisioner_image: sets NFS_PROVISIONER_IMAGE_REF, building the image when the cache
# lacks it (one builder per cache folder at a time, as build_module).
build_provisioner_image() {
  [[ -n $NFS_PROVISIONER_BIN ]] || build_nfs_provisioner
  local suite key dir name start mirror security
  suite=$(provisioner_image_suite) || die "cannot tell the Debian release of this host"
  key=$(provisioner_image_key "$suite")
  dir=$CACHE_ROOT/$key
  name=$PROVISIONER_IMAGE_REPO:${NFS_PROVISIONER_COMMIT:0:7}-${key##*-}
  mkdir -p "$CACHE_ROOT"
  lock_cache_folder "$key" "provisioner image"
  if [[ -f $dir/complete ]]; then
    log "provisioner image: cached in $dir"
  else
    { have debootstrap && have buildah; } || die "the provisioner image needs debootstrap and buildah (Debian packages)"
    mirror=${MEHDB_DEBIAN_MIRROR:-$(debian_apt_sources | awk -v s="$suite" '$2 == s {print $1; exit}')}
    security=$(debian_apt_sources | awk -v s="$suite-security" '$2 == s {print $1; exit}')
    [[ -n $mirror ]] || die "no apt source of the host serves $suite (set MEHDB_DEBIAN_MIRROR)"
    start=$(date +%s)
    log "provisioner image: building $name into $dir (debootstrap $suite from $mirror)"
    rm -rf "$dir" && mkdir -p "$dir"
    with_progress "$dir/build.log" "building the provisioner image" \
      provisioner_image_build "$dir" "$suite" "$mirror" "$security" "$name"
    skopeo inspect --format '{{.Digest}}' "oci-archive:$dir/image.tar" >"$dir/digest" \
      || die "skopeo cannot read the provisioner image archive $dir/image.tar"
    date -u +%FT%TZ >"$dir/complete"
    log "provisioner image: built in $(( $(date +%s) - start ))s ($(du -h "$dir/image.tar" | cut -f1) archive)"
  fi
  unlock_cache_folder
  NFS_PROVISIONER_IMAGE_REF=oci-archive:$dir/image.tar
}
