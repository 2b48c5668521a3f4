#!/usr/bin/env bash
# demo.sh runs a short agent script in a container hardened by agentrt on
# the embedded default policy, and prints which of its actions were
# allowed and which were blocked. It builds its own busybox bundle in a
# temporary directory and removes it at the end.
#
# usage: scripts/demo.sh [path/to/agentrt]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
agentrt=${1:-$here/bin/agentrt}
work=$(mktemp -d /tmp/agentrt-demo.XXXXXX)
root=$work/state
id=agentrt-demo-$$

cleanup() {
	"$agentrt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# The rootfs: busybox-static with its applets, and the probe tool that
# tries one action and reports whether the sandbox allowed it.
rootfs=$work/bundle/rootfs
mkdir -p "$rootfs"/{bin,usr/bin,usr/local/bin,etc,tmp,proc,sys,dev,workspace}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
(cd "$here" && CGO_ENABLED=0 go build -trimpath -o "$rootfs/usr/bin/probe" ./integration/probe)

# The agent: what a compromised or careless agent might try.
cat >"$rootfs/usr/local/bin/agent-demo" <<'AGENT'
#!/bin/sh
try() {
	what=$1; expect=$2; shift 2
	if out=$("$@" 2>&1); then got=allowed; else got=blocked; fi
	mark=" "; [ "$got" = "$expect" ] || mark="!"
	printf '%s %-44s %-8s %s\n' "$mark" "$what" "$got" "$(echo "$out" | tail -n 1 | cut -c1-60)"
}
echo "  action                                       result   detail"
echo "  -------------------------------------------- -------- ------------------------------------------------------------"
try "run a shell command"                          allowed sh -c 'echo hello from the agent'
try "write to the workspace (/workspace)"          allowed probe write /workspace/notes.txt
try "write to /tmp"                                allowed probe write /tmp/scratch
try "write to /etc (read-only rootfs)"             blocked probe write /etc/evil
try "read a masked path (/proc/keys)"              blocked sh -c 'test -n "$(cat /proc/keys)"'
try "chown a root-owned file"                      blocked probe chown /bin/busybox
try "run a binary dropped in /tmp (W^X)"           blocked sh -c 'cp /bin/busybox /tmp/tool && /tmp/tool true'
try "ptrace another process"                       blocked probe ptrace
try "open a raw socket"                            blocked probe rawsock
try "mount a filesystem"                           blocked probe mount
try "create a namespace (unshare)"                 blocked probe unshare
try "load a BPF program"                           blocked probe bpf
try "set up io_uring"                              blocked probe io_uring
try "use the kernel keyring"                       blocked probe keyctl
try "resolve a host name"                          blocked probe resolve example.com
AGENT
chmod +x "$rootfs/usr/local/bin/agent-demo"

"$agentrt" spec --bundle "$work/bundle"
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's|^\(\s*\)"sh"$|\1"agent-demo"|' "$work/bundle/config.json"

echo "agentrt demo: an agent script in a container on the embedded default policy"
echo "(read-only rootfs but /tmp and /workspace, no capabilities, seccomp allowlist,"
echo " Landlock, no network). \"!\" marks a result other than expected."
echo
"$agentrt" --root "$root" run --bundle "$work/bundle" "$id" | tee "$work/out"
echo
"$agentrt" policy explain --bundle "$work/bundle" | sed -n '/^layers:/,/^$/p'
if grep -q '^!' "$work/out"; then
	echo "demo: some actions did not behave as the policy says" >&2
	exit 1
fi
echo "demo: every action was allowed or blocked as the policy says"
