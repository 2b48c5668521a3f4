package landlock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// abi1FS are the thirteen filesystem rights of Landlock ABI 1, all of
// which agentrt handles.
const abi1FS = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
	unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR |
	unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
	unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
	unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
	unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	unix.LANDLOCK_ACCESS_FS_MAKE_SYM

const (
	abi2FS = abi1FS | unix.LANDLOCK_ACCESS_FS_REFER
	abi3FS = abi2FS | unix.LANDLOCK_ACCESS_FS_TRUNCATE
	abi5FS = abi3FS | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	netTCP = unix.LANDLOCK_ACCESS_NET_CONNECT_TCP | unix.LANDLOCK_ACCESS_NET_BIND_TCP
	scopes = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
)

func TestHandled(t *testing.T) {
	full := &Ruleset{HandleConnect: true, HandleBind: true, Scope: true}
	tests := []struct {
		name string
		rs   *Ruleset
		abi  int
		want unix.LandlockRulesetAttr
	}{
		{"no Landlock", full, 0, unix.LandlockRulesetAttr{}},
		{"ABI 1", full, 1, unix.LandlockRulesetAttr{Handled_access_fs: abi1FS}},
		{"ABI 2 adds refer", full, 2, unix.LandlockRulesetAttr{Handled_access_fs: abi2FS}},
		{"ABI 3 adds truncate", full, 3, unix.LandlockRulesetAttr{Handled_access_fs: abi3FS}},
		{"ABI 4 adds TCP", full, 4, unix.LandlockRulesetAttr{Handled_access_fs: abi3FS, Handled_access_net: netTCP}},
		{"ABI 5 adds ioctl on devices", full, 5, unix.LandlockRulesetAttr{Handled_access_fs: abi5FS, Handled_access_net: netTCP}},
		{"ABI 6 adds scopes", full, 6, unix.LandlockRulesetAttr{Handled_access_fs: abi5FS, Handled_access_net: netTCP, Scoped: scopes}},
		{"ABI 7 adds nothing agentrt uses", full, 7, unix.LandlockRulesetAttr{Handled_access_fs: abi5FS, Handled_access_net: netTCP, Scoped: scopes}},
		{"ABI 7, connect only", &Ruleset{HandleConnect: true}, 7,
			unix.LandlockRulesetAttr{Handled_access_fs: abi5FS, Handled_access_net: unix.LANDLOCK_ACCESS_NET_CONNECT_TCP}},
		{"ABI 7, bind only", &Ruleset{HandleBind: true}, 7,
			unix.LandlockRulesetAttr{Handled_access_fs: abi5FS, Handled_access_net: unix.LANDLOCK_ACCESS_NET_BIND_TCP}},
		{"ABI 7, no network, no scopes", &Ruleset{}, 7, unix.LandlockRulesetAttr{Handled_access_fs: abi5FS}},
		{"ABI 3 ignores TCP and scopes", full, 3, unix.LandlockRulesetAttr{Handled_access_fs: abi3FS}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := handled(tc.rs, tc.abi); got != tc.want {
				t.Errorf("handled(ABI %d): got %+v, want %+v", tc.abi, got, tc.want)
			}
		})
	}
}

// statuses returns the feature statuses Check reports for a ruleset that
// wants everything, on the given ABI.
func statuses(abi int, wantNet, wantScope bool) map[string]string {
	byABI := []struct {
		name string
		abi  int
		want bool
	}{
		{"fs.read", 1, true}, {"fs.write", 1, true}, {"fs.execute", 1, true},
		{"fs.refer", 2, true}, {"fs.truncate", 3, true}, {"net.tcp", 4, wantNet},
		{"fs.ioctl_dev", 5, true}, {"scope.abstract_unix_socket", 6, wantScope}, {"scope.signal", 6, wantScope},
	}
	out := map[string]string{}
	for _, f := range byABI {
		switch {
		case !f.want:
		case abi >= f.abi:
			out[f.name] = "enforced"
		default:
			out[f.name] = "unsupported"
		}
	}
	return out
}

func TestCheckBestEffort(t *testing.T) {
	for abi := 1; abi <= 7; abi++ {
		for _, tc := range []struct {
			name string
			rs   *Ruleset
		}{
			{"connect and scopes", &Ruleset{HandleConnect: true, Scope: true, BestEffort: true}},
			{"filesystem only", &Ruleset{BestEffort: true}},
		} {
			t.Run(fmt.Sprintf("%s/ABI %d", tc.name, abi), func(t *testing.T) {
				st, err := Check(tc.rs, abi)
				if err != nil {
					t.Fatalf("got error %v, want none with best effort", err)
				}
				want := &Status{ABI: abi, Features: statuses(abi, tc.rs.HandleConnect, tc.rs.Scope)}
				if diff := cmp.Diff(want, st); diff != "" {
					t.Errorf("status (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestCheckStrict(t *testing.T) {
	tests := []struct {
		name    string
		rs      *Ruleset
		abi     int
		missing []string // empty: Check passes
	}{
		{"ABI 1 lacks everything after it", &Ruleset{HandleConnect: true, Scope: true}, 1,
			[]string{"fs.refer (ABI 2)", "fs.truncate (ABI 3)", "net.tcp (ABI 4)", "fs.ioctl_dev (ABI 5)", "scope.abstract_unix_socket (ABI 6)", "scope.signal (ABI 6)"}},
		{"ABI 2", &Ruleset{HandleConnect: true, Scope: true}, 2,
			[]string{"fs.truncate (ABI 3)", "net.tcp (ABI 4)", "fs.ioctl_dev (ABI 5)", "scope.abstract_unix_socket (ABI 6)", "scope.signal (ABI 6)"}},
		{"ABI 3", &Ruleset{HandleConnect: true, Scope: true}, 3,
			[]string{"net.tcp (ABI 4)", "fs.ioctl_dev (ABI 5)", "scope.abstract_unix_socket (ABI 6)", "scope.signal (ABI 6)"}},
		{"ABI 4", &Ruleset{HandleConnect: true, Scope: true}, 4,
			[]string{"fs.ioctl_dev (ABI 5)", "scope.abstract_unix_socket (ABI 6)", "scope.signal (ABI 6)"}},
		{"ABI 5", &Ruleset{HandleConnect: true, Scope: true}, 5,
			[]string{"scope.abstract_unix_socket (ABI 6)", "scope.signal (ABI 6)"}},
		{"ABI 6 has all", &Ruleset{HandleConnect: true, Scope: true}, 6, nil},
		{"ABI 7 has all", &Ruleset{HandleConnect: true, Scope: true}, 7, nil},
		{"ABI 3 without network and scopes", &Ruleset{}, 3, []string{"fs.ioctl_dev (ABI 5)"}},
		{"ABI 5 without network and scopes", &Ruleset{}, 5, nil},
		{"bind alone wants TCP", &Ruleset{HandleBind: true}, 3, []string{"net.tcp (ABI 4)", "fs.ioctl_dev (ABI 5)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Check(tc.rs, tc.abi)
			if len(tc.missing) == 0 {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if want := statuses(tc.abi, tc.rs.HandleConnect || tc.rs.HandleBind, tc.rs.Scope); !cmp.Equal(st.Features, want) {
					t.Errorf("features: got %v, want %v", st.Features, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got status %+v, want an error naming %q", st, tc.missing)
			}
			want := "cannot enforce " + strings.Join(tc.missing, ", ") + "; allow landlock.best_effort"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("got error %q, want it to contain %q", err, want)
			}
		})
	}
}

func TestCheckFloor(t *testing.T) {
	tests := []struct {
		name    string
		minABI  int
		abi     int
		wantErr string
	}{
		{"floor above the kernel", 8, 7, "the admin requires ABI 8 or newer (landlock.min_abi), but the kernel has ABI 7"},
		{"highest floor the config allows", 64, 7, "requires ABI 64 or newer (landlock.min_abi), but the kernel has ABI 7"},
		{"no Landlock in the kernel", 1, 0, "requires ABI 1 or newer (landlock.min_abi), but the kernel has ABI 0"},
		{"floor met exactly", 7, 7, ""},
		{"floor below the kernel", 3, 7, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := &Ruleset{MinABI: tc.minABI, BestEffort: true, Scope: true}
			_, err := Check(rs, tc.abi)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestCheckNoLandlock: without an admin floor, best effort runs on a
// kernel without Landlock and reports every feature unsupported; without
// best effort it refuses.
func TestCheckNoLandlock(t *testing.T) {
	st, err := Check(&Ruleset{BestEffort: true}, 0)
	if err != nil {
		t.Fatalf("best effort: got error %v, want none", err)
	}
	if want := statuses(0, false, false); !cmp.Equal(st.Features, want) {
		t.Errorf("features: got %v, want %v", st.Features, want)
	}
	if _, err := Check(&Ruleset{}, 0); err == nil || !strings.Contains(err.Error(), "kernel has ABI 0 and cannot enforce fs.read (ABI 1)") {
		t.Errorf("strict: got %v, want a refusal naming fs.read (ABI 1)", err)
	}
}
