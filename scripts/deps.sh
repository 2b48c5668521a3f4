#!/usr/bin/env bash
# deps.sh installs what agentrt's build, tests and benchmarks need on a
# Debian 12 machine, as root. It is idempotent: every part checks first and
# installs only what is missing or at the wrong version, so a second run
# takes about a second.
#
# Usage: scripts/deps.sh [PART...]     (default: base)
#
# Parts:
#   base        Debian packages and runc 1.5.3 (with seccomp) in /usr/local/bin
#   containerd  containerd, ctr and containerd-shim-runc-v2 2.4.2 in /usr/local/bin
#   cri         containerd, crictl 1.37.0, CNI plugins 1.9.1 in /opt/cni/bin
#   docker      containerd and dockerd (moby v2.0.0-beta.24) in /usr/local/bin
#   all         every part above
#
# The script can also be sourced; its functions (deps_base, deps_containerd,
# deps_cri, deps_docker) then install one part each.
#
# Environment:
#   DEPS_BIN    where Go tools go (default /usr/local/bin)
#   CNI_BIN     where CNI plugins go (default /opt/cni/bin)
#   DEPS_QUIET  set to 1 to print only what is installed

set -euo pipefail

DEPS_BIN=${DEPS_BIN:-/usr/local/bin}
CNI_BIN=${CNI_BIN:-/opt/cni/bin}

RUNC_MOD=github.com/opencontainers/runc
RUNC_VERSION=v1.5.3
CONTAINERD_MOD=github.com/containerd/containerd/v2
CONTAINERD_VERSION=v2.4.2
CRICTL_MOD=sigs.k8s.io/cri-tools
CRICTL_VERSION=v1.37.0
CNI_MOD=github.com/containernetworking/plugins
CNI_VERSION=v1.9.1
MOBY_MOD=github.com/moby/moby/v2
MOBY_VERSION=v2.0.0-beta.24

# APT_PACKAGES are the Debian packages the build and the tests use:
#   busybox-static  busybox rootfs for test and benchmark bundles
#   libseccomp-dev  cgo build of agentrt and runc with seccomp (static lib too)
#   podman skopeo umoci  engine tests and OCI image building
#   nftables iptables    egress rules and their inspection
#   debootstrap     glibc rootfs for tests (integration/testenv.GlibcRootfs)
#   tini            subreaper for test runs
#   hyperfine       ad hoc command timing next to `go run ./bench`
#   crun            a second reference runtime
#   iproute2        network namespaces and veth for network tests
#   gcc libc6-dev pkg-config git make  cgo and the build itself
#   ca-certificates the Go module proxy over https
#   procps psmisc   ps/pkill-free process inspection when a test fails
APT_PACKAGES=(
	busybox-static libseccomp-dev podman skopeo umoci nftables iptables
	debootstrap tini hyperfine crun iproute2
	gcc libc6-dev pkg-config git make ca-certificates procps
)

log() { printf 'deps: %s\n' "$*" >&2; }
vlog() { [[ ${DEPS_QUIET:-0} == 1 ]] || log "$@"; }
die() { log "error: $*"; exit 1; }

# timed NAME CMD... runs CMD and reports how long it took.
timed() {
	local name=$1 start ms
	shift
	start=${EPOCHREALTIME/./}
	"$@"
	ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	vlog "$(printf '%s: %d.%01ds' "$name" $((ms / 1000)) $((ms % 1000 / 100)))"
}

require_root() {
	[[ $(id -u) == 0 ]] || die "must run as root (installs into /usr/local/bin and uses apt-get)"
}

# ensure_go puts the Go toolchain on PATH; the machine image has it in
# /usr/local/go but a minimal environment may not list that directory.
ensure_go() {
	if ! command -v go >/dev/null 2>&1; then
		[[ -x /usr/local/go/bin/go ]] || die "no Go toolchain: expected go on PATH or /usr/local/go/bin/go"
		export PATH=/usr/local/go/bin:$PATH
	fi
}

# apt_missing prints each of the given packages that dpkg does not list
# as installed, asking dpkg once for all of them. dpkg-query fails for a
# package it has never seen, which is the normal case on a new machine.
apt_missing() {
	local p installed
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		awk '$NF == "installed" && $(NF-1) == "ok" { sub(/:.*/, "", $1); print $1 }' || true)
	for p in "$@"; do
		grep -qxF -- "$p" <<<"$installed" || printf '%s\n' "$p"
	done
}

deps_apt() {
	local missing
	mapfile -t missing < <(apt_missing "${APT_PACKAGES[@]}")
	if ((${#missing[@]} == 0)); then
		vlog "apt: all ${#APT_PACKAGES[@]} packages present"
		return
	fi
	log "apt: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
}

# go_tool_ok BIN MOD VERSION succeeds when BIN was built by go install from
# module MOD at VERSION, as the build info in the binary says.
go_tool_ok() {
	local bin=$1 mod=$2 version=$3
	[[ -x $bin ]] || return 1
	go version -m "$bin" 2>/dev/null | awk -v m="$mod" -v v="$version" '
		$1 == "mod" && $2 == m && $3 == v { ok = 1 }
		END { exit !ok }'
}

# go_install DIR MOD VERSION PKG... installs the packages PKG (paths inside
# module MOD, "." for the module's root) at VERSION into DIR unless every one
# is already there. go install names each binary after the last element of
# its package path.
go_install() {
	local dir=$1 mod=$2 version=$3 pkg path need=()
	shift 3
	for pkg in "$@"; do
		path=$mod
		[[ $pkg == . ]] || path=$mod/$pkg
		go_tool_ok "$dir/$(basename "$path")" "$mod" "$version" || need+=("$path@$version")
	done
	if ((${#need[@]} == 0)); then
		vlog "go: $mod@$version present in $dir ($*)"
		return
	fi
	log "go: installing ${need[*]} into $dir"
	mkdir -p "$dir"
	# GOTOOLCHAIN=local: fail rather than fetch another Go toolchain.
	GOBIN=$dir CGO_ENABLED=1 GOTOOLCHAIN=local go install ${GO_TAGS:+-tags "$GO_TAGS"} "${need[@]}"
}

# deps_runc installs runc 1.5.3 with seccomp into DEPS_BIN. Debian's runc
# 1.1.5 (/usr/sbin/runc, pulled in by some packages) is never used: tests
# name /usr/local/bin/runc by path.
deps_runc() {
	local bin=$DEPS_BIN/runc info version
	info=$(go version -m "$bin" 2>/dev/null || true)
	if go_tool_ok "$bin" "$RUNC_MOD" "$RUNC_VERSION" && grep -q -- '-tags=.*seccomp' <<<"$info"; then
		vlog "go: runc $RUNC_VERSION with seccomp present at $bin"
	else
		rm -f "$bin"
		GO_TAGS=seccomp go_install "$DEPS_BIN" "$RUNC_MOD" "$RUNC_VERSION" .
	fi
	version=$("$bin" --version)
	grep -qx "runc version ${RUNC_VERSION#v}" <<<"$version" ||
		die "$bin --version does not say ${RUNC_VERSION#v}"
	grep -q '^libseccomp: ' <<<"$version" ||
		die "$bin was built without seccomp"
	local first
	first=$(command -v runc || true)
	if [[ $first != "$bin" ]]; then
		log "warning: runc on PATH is ${first:-none}, not $bin; tests use $bin by path"
	fi
}

deps_base() {
	require_root
	ensure_go
	timed "apt packages" deps_apt
	timed "runc $RUNC_VERSION" deps_runc
}

deps_containerd() {
	require_root
	ensure_go
	timed "containerd $CONTAINERD_VERSION" go_install "$DEPS_BIN" "$CONTAINERD_MOD" "$CONTAINERD_VERSION" \
		cmd/containerd cmd/ctr cmd/containerd-shim-runc-v2
}

deps_cni() {
	timed "CNI plugins $CNI_VERSION" go_install "$CNI_BIN" "$CNI_MOD" "$CNI_VERSION" \
		plugins/main/loopback plugins/main/bridge plugins/ipam/host-local
}

deps_cri() {
	deps_containerd
	timed "crictl $CRICTL_VERSION" go_install "$DEPS_BIN" "$CRICTL_MOD" "$CRICTL_VERSION" cmd/crictl
	deps_cni
}

deps_docker() {
	deps_containerd
	timed "dockerd $MOBY_VERSION" go_install "$DEPS_BIN" "$MOBY_MOD" "$MOBY_VERSION" cmd/dockerd
}

deps_all() {
	deps_base
	deps_cri
	deps_docker
}

usage() {
	sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2
}

main() {
	local part parts=("$@")
	((${#parts[@]})) || parts=(base)
	for part in "${parts[@]}"; do
		case $part in
		base | containerd | cri | docker | all) ;;
		-h | --help | help) usage; return 0 ;;
		*) usage; die "unknown part \"$part\"" ;;
		esac
	done
	for part in "${parts[@]}"; do
		timed "part $part" "deps_$part"
	done
}

# Run main only when executed, so that the functions can be sourced.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
