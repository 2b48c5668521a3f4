// Package testrootfs builds the root filesystems that agentrt's
// integration tests and benchmarks run containers on, and caches them on
// disk so that a build happens once per machine, not once per test.
//
// Three kinds are built:
//
//   - busybox: /bin/busybox from Debian's busybox-static with a symlink for
//     every applet and an /etc/passwd and /etc/group with root and nobody.
//     About 2 MB; cheap to copy per bundle.
//   - glibc: a Debian bookworm minbase tree made by debootstrap from the
//     mirror that apt on this machine uses. About 25 s cold.
//   - any tree a caller builds with [Cached], such as a rootfs that holds a
//     single static binary.
//
// Cached trees are shared between tests and must be treated as read-only:
// copy one with [Copy] before writing to it.
package testrootfs
