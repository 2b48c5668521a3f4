// Command probe tries one action that an agent might attempt and reports
// whether the sandbox allowed it. It is built statically and copied into
// test and demo rootfs images, so it needs no libc and no shell.
//
//	probe ACTION [ARG...]
//
// It prints "allowed" and exits 0, or prints "blocked: REASON" and exits 1.
// Exit status 2 is a usage error.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/nftables"
	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/sys/unix"
)

type action struct {
	args int // number of arguments the action takes
	run  func(args []string) error
	help string
}

var actions = map[string]action{
	"read":       {1, readFile, "read PATH"},
	"write":      {1, writeFile, "write PATH (create or truncate, write a line)"},
	"exec":       {1, execFile, "exec PATH (run it with no arguments)"},
	"chown":      {1, chownFile, "chown PATH to 65534:65534"},
	"rename":     {2, rename, "rename OLD NEW"},
	"link":       {2, link, "link OLD NEW (hard link)"},
	"ptrace":     {0, ptraceParent, "ptrace: PTRACE_ATTACH to a child"},
	"rawsock":    {0, rawSocket, "rawsock: socket(AF_INET, SOCK_RAW, ICMP)"},
	"packet":     {0, packetSocket, "packet: socket(AF_PACKET, SOCK_RAW)"},
	"mount":      {0, mountTmpfs, "mount: mount a tmpfs on /mnt"},
	"unshare":    {0, unshareNet, "unshare: unshare(CLONE_NEWNET)"},
	"userns":     {0, unshareUser, "userns: unshare(CLONE_NEWUSER)"},
	"bpf":        {0, bpfCall, "bpf: bpf(BPF_MAP_CREATE)"},
	"io_uring":   {0, ioUringSetup, "io_uring: io_uring_setup"},
	"keyctl":     {0, keyctlCall, "keyctl: add_key to the session keyring"},
	"connect":    {1, connectTCP, "connect HOST:PORT (TCP, 2 s timeout)"},
	"udp":        {1, sendUDP, "udp HOST:PORT (send one datagram, wait 1 s for an answer)"},
	"bind":       {1, bindTCP, "bind ADDR:PORT (TCP listen)"},
	"resolve":    {1, resolve, "resolve NAME (through the Go resolver, /etc/resolv.conf)"},
	"kill":       {1, killPid, "kill PID (signal 0)"},
	"abstract":   {1, connectAbstract, "abstract NAME (connect to @NAME)"},
	"threads":    {0, threads, "threads: start a thread and join it"},
	"memfd-exec": {1, memfdExec, "memfd-exec PATH (copy PATH into a memfd and execute it)"},
	"sleep":      {1, sleep, "sleep SECONDS"},
	"dns":        {2, askDNS, "dns SERVER:PORT NAME (one A question over UDP, 1 s timeout)"},
	"nft-flush":  {0, nftFlush, "nft-flush: delete nftables table inet " + nftTable + " over netlink"},
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	a, ok := actions[os.Args[1]]
	if !ok || len(os.Args)-2 != a.args {
		usage()
	}
	if err := a.run(os.Args[2:]); err != nil {
		fmt.Printf("blocked: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("allowed")
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: probe ACTION [ARG...]; actions:")
	for _, a := range actions {
		fmt.Fprintln(os.Stderr, "  "+a.help)
	}
	os.Exit(2)
}

func readFile(a []string) error {
	f, err := os.Open(a[0])
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Read(make([]byte, 64))
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func writeFile(a []string) error {
	return os.WriteFile(a[0], []byte("probe\n"), 0o755)
}

func execFile(a []string) error {
	return exec.Command(a[0]).Run()
}

func chownFile(a []string) error { return os.Chown(a[0], 65534, 65534) }
func rename(a []string) error    { return os.Rename(a[0], a[1]) }
func link(a []string) error      { return os.Link(a[0], a[1]) }

// ptraceParent forks a sleeping child and tries to attach to it: the
// classic first step of an agent reading another process' memory.
func ptraceParent([]string) error {
	cmd := exec.Command("/proc/self/exe", "sleep", "5")
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start child: %w", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	return unix.PtraceAttach(cmd.Process.Pid)
}

func rawSocket([]string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

func packetSocket([]string) error {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0x0300)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

func mountTmpfs([]string) error {
	os.MkdirAll("/mnt", 0o755)
	err := unix.Mount("probe", "/mnt", "tmpfs", 0, "")
	if err == nil {
		unix.Unmount("/mnt", 0)
	}
	return err
}

func unshareNet([]string) error  { return unix.Unshare(unix.CLONE_NEWNET) }
func unshareUser([]string) error { return unix.Unshare(unix.CLONE_NEWUSER) }

func bpfCall([]string) error {
	// BPF_MAP_CREATE with a zeroed attribute: EINVAL means the call got
	// through to the kernel, which is what the sandbox must prevent.
	attr := make([]byte, 64)
	_, _, e := unix.Syscall(unix.SYS_BPF, 0, uintptr(unsafePointer(attr)), 64)
	return reached(e)
}

func ioUringSetup([]string) error {
	params := make([]byte, 120)
	r, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafePointer(params)), 0)
	if e == 0 {
		unix.Close(int(r))
	}
	return reached(e)
}

func keyctlCall([]string) error {
	_, err := unix.AddKey("user", "probe", []byte("x"), unix.KEY_SPEC_SESSION_KEYRING)
	return err
}

// reached turns the errno of a call made with deliberately invalid
// arguments into a verdict: EPERM, EACCES and ENOSYS mean the sandbox
// stopped it; anything else means the kernel looked at the arguments.
func reached(e syscall.Errno) error {
	switch e {
	case unix.EPERM, unix.EACCES, unix.ENOSYS:
		return e
	}
	return nil
}

func connectTCP(a []string) error {
	c, err := net.DialTimeout("tcp", a[0], 2*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

func sendUDP(a []string) error {
	c, err := net.Dial("udp", a[0])
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("probe\n")); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	_, err = c.Read(make([]byte, 512))
	return err
}

func bindTCP(a []string) error {
	l, err := net.Listen("tcp", a[0])
	if err != nil {
		return err
	}
	return l.Close()
}

func resolve(a []string) error {
	addrs, err := net.LookupHost(a[0])
	if err != nil {
		return err
	}
	fmt.Println(addrs)
	return nil
}

func killPid(a []string) error {
	pid, err := strconv.Atoi(a[0])
	if err != nil {
		return err
	}
	return unix.Kill(pid, 0)
}

func connectAbstract(a []string) error {
	c, err := net.Dial("unix", "@"+a[0])
	if err != nil {
		return err
	}
	return c.Close()
}

func threads([]string) error {
	done := make(chan struct{})
	go func() { time.Sleep(10 * time.Millisecond); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("thread did not finish")
	}
}

func sleep(a []string) error {
	n, err := strconv.Atoi(a[0])
	if err != nil {
		return err
	}
	time.Sleep(time.Duration(n) * time.Second)
	return nil
}

// askDNS sends one A question for a name straight to a server, without
// /etc/resolv.conf, as an agent would to get around a filtering
// resolver. It prints the addresses answered; an answer other than
// NOERROR is blocked with its code.
func askDNS(a []string) error {
	name, err := dnsmessage.NewName(strings.TrimSuffix(a[1], ".") + ".")
	if err != nil {
		return err
	}
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: uint16(os.Getpid()), RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}},
	}
	q, err := m.Pack()
	if err != nil {
		return err
	}
	c, err := net.Dial("udp", a[0])
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(q); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	return printAnswer(buf[:n], m.Header.ID)
}

func printAnswer(reply []byte, id uint16) error {
	var r dnsmessage.Message
	if err := r.Unpack(reply); err != nil {
		return fmt.Errorf("bad reply: %w", err)
	}
	if r.Header.ID != id {
		return fmt.Errorf("reply to question %d, want %d", r.Header.ID, id)
	}
	if r.Header.RCode != dnsmessage.RCodeSuccess {
		return fmt.Errorf("answer %s", r.Header.RCode)
	}
	var addrs []string
	for _, ans := range r.Answers {
		if rec, ok := ans.Body.(*dnsmessage.AResource); ok {
			addrs = append(addrs, net.IP(rec.A[:]).String())
		}
	}
	fmt.Println(addrs)
	return nil
}

// nftTable is the table of agentrt's egress rules.
const nftTable = "agentrt"

// nftFlush asks the kernel to delete agentrt's egress table (an
// NFT_MSG_DELTABLE over netlink): without CAP_NET_ADMIN in the netns it
// fails with EPERM. The probe holds no nft binary and needs none.
func nftFlush([]string) error {
	c, err := nftables.New()
	if err != nil {
		return err
	}
	c.DelTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: nftTable})
	return c.Flush()
}

// memfdExec copies a binary into a memfd and executes it from there: the
// way to run a file past Landlock's execute rights, since memfds live on
// an internal mount Landlock does not see. The executed copy is run as
// "probe threads", so success prints "allowed" from the copy.
func memfdExec(a []string) error {
	data, err := os.ReadFile(a[0])
	if err != nil {
		return err
	}
	fd, err := unix.MemfdCreate("probe", 0)
	if err != nil {
		return err
	}
	if _, err := unix.Write(fd, data); err != nil {
		return err
	}
	return unix.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{"probe", "threads"}, os.Environ())
}
