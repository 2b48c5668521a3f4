package egress

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// registry is the run dir entry of one netns: RunDir/<netns inode>/ with
//
//	netns.json      the installed plan and the DNS filter (netnsRecord)
//	users/<key>     one file per container using the netns (userRecord)
//	filter.json     the DNS filter's configuration
//	filter.log      the DNS filter's log
//
// The users are the netns's reference count: rules are removed with the
// last one. All changes happen under an exclusive flock of the entry's
// directory, so that creates and deletes of containers sharing a netns
// are serialized while other netns go their own way.
type registry struct {
	dir  string
	lock *os.File
}

// netnsRecord is what agentrt installed in one netns.
type netnsRecord struct {
	PlanHash   string   `json:"planHash"`
	NetnsPath  string   `json:"netnsPath"`
	Filter     *procID  `json:"filter,omitempty"`
	FilterPort uint16   `json:"filterPort,omitempty"`
	Upstreams  []string `json:"upstreams,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
}

// userRecord is one container that uses the netns.
type userRecord struct {
	ID       string `json:"id"`
	Init     procID `json:"init"`
	StateDir string `json:"stateDir"`
}

// lockRegistry locks and returns the entry of netns ino under runDir,
// creating it if needed. The entry is removed under its lock by the last
// Teardown, so a waiter may wake holding the lock of a removed directory:
// it checks that the path still leads to what it locked, and tries again
// if not.
func lockRegistry(runDir string, ino uint64) (*registry, error) {
	dir := filepath.Join(runDir, strconv.FormatUint(ino, 10))
	for range 100 {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("egress run dir %q: %w", dir, err)
		}
		f, err := os.Open(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("egress run dir %q: %w", dir, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock egress run dir %q: %w", dir, err)
		}
		if sameFile(f, dir) {
			return &registry{dir: dir, lock: f}, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock egress run dir %q: removed again and again", dir)
}

func sameFile(f *os.File, path string) bool {
	var a, b unix.Stat_t
	return unix.Fstat(int(f.Fd()), &a) == nil && unix.Stat(path, &b) == nil && a.Ino == b.Ino && a.Dev == b.Dev
}

func (r *registry) unlock() { r.lock.Close() }

func (r *registry) usersDir() string { return filepath.Join(r.dir, "users") }

// userKey names a container in users/: a hash of its state dir, unique
// even for equal ids under two runtime roots.
func userKey(stateDir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(stateDir)))
	return hex.EncodeToString(sum[:8])
}

func (r *registry) readRecord() (*netnsRecord, error) {
	var rec netnsRecord
	if err := readJSON(filepath.Join(r.dir, "netns.json"), &rec); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	return &rec, nil
}

func (r *registry) writeRecord(rec *netnsRecord) error {
	return writeJSON(filepath.Join(r.dir, "netns.json"), rec)
}

func (r *registry) addUser(key string, u userRecord) error {
	return writeJSON(filepath.Join(r.usersDir(), key), u)
}

func (r *registry) removeUser(key string) error {
	err := os.Remove(filepath.Join(r.usersDir(), key))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove egress user: %w", err)
	}
	return nil
}

// liveUsers returns the users whose init is alive, and forgets the others:
// a container that died without delete must not keep rules (or, with an
// inode reused by a new netns, a stale plan) alive.
func (r *registry) liveUsers() (map[string]userRecord, error) {
	users, err := readUsers(r.usersDir())
	if err != nil {
		return nil, err
	}
	for k, u := range users {
		if !u.Init.alive() {
			delete(users, k)
			r.removeUser(k)
		}
	}
	return users, nil
}

// readUsers reads users/ without the lock (the filter polls it); files
// are written by rename, so a reader sees whole records.
func readUsers(dir string) (map[string]userRecord, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]userRecord{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read egress users %q: %w", dir, err)
	}
	users := map[string]userRecord{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		var u userRecord
		if err := readJSON(filepath.Join(dir, e.Name()), &u); err == nil {
			users[e.Name()] = u
		}
	}
	return users, nil
}

// anyUserAlive is the DNS filter's test for staying up.
func anyUserAlive(dir string) bool {
	users, err := readUsers(dir)
	if err != nil {
		return true // unreadable is not proof that nobody needs DNS
	}
	for _, u := range users {
		if u.Init.alive() {
			return true
		}
	}
	return false
}

// remove deletes the netns's entry.
func (r *registry) remove() error {
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("remove egress run dir entry %q: %w", r.dir, err)
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %q: %w", path, err)
	}
	return nil
}

// writeJSON replaces path atomically (temporary file and rename).
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
