package runtime

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const psEF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 14:00 ?        00:00:01 /sbin/init
root       24493       1  0 14:28 ?        00:00:00 sleep 100
root       24494   24493  0 14:28 ?        00:00:00 sh -c echo  spaced   args
root       30000       1  0 14:29 ?        00:00:00 other
`

func TestFilterPsOutput(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		pids    []int
		want    string
		wantErr string
	}{
		{
			name: "keeps the header and the container's rows",
			out:  psEF,
			pids: []int{24493, 24494},
			want: "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
				"root       24493       1  0 14:28 ?        00:00:00 sleep 100\n" +
				"root       24494   24493  0 14:28 ?        00:00:00 sh -c echo  spaced   args\n",
		},
		{
			// A pid that is only the parent of a row must not select it.
			name: "matches the PID column only",
			out:  psEF,
			pids: []int{0},
			want: "UID          PID    PPID  C STIME TTY          TIME CMD\n",
		},
		{
			name: "no pids: header only",
			out:  psEF,
			want: "UID          PID    PPID  C STIME TTY          TIME CMD\n",
		},
		{
			name: "pid first",
			out:  "  PID COMMAND\n    7 sleep\n    8 sh\n",
			pids: []int{8},
			want: "  PID COMMAND\n    8 sh\n",
		},
		{name: "no PID column", out: "COMMAND\nsleep\n", wantErr: "no PID column"},
		{name: "unparsable pid", out: "PID CMD\nx sleep\n", wantErr: `"x sleep"`},
		{name: "short row", out: "CMD PID\nsleep\n", wantErr: "has no PID column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := filterPsOutput(tt.out, tt.pids)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestPsArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "default", want: []string{"-ef"}},
		{name: "given", args: []string{"-o", "pid,comm"}, want: []string{"-o", "pid,comm"}},
		{name: "separator dropped", args: []string{"--", "-o", "pid"}, want: []string{"-o", "pid"}},
		{name: "separator alone", args: []string{"--"}, want: []string{"-ef"}},
		{name: "later separator kept", args: []string{"-o", "pid", "--"}, want: []string{"-o", "pid", "--"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, psArgs(tt.args)); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}
