package egress

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestUpstreams(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		opts    Options
		want    []string
		wantErr string
	}{
		{name: "resolv.conf", opts: Options{ResolvConf: write("a", "# docker\nsearch x\nnameserver 127.0.0.11\nnameserver 2001:db8::53\nnameserver fe80::1%eth0\noptions ndots:0\n")},
			want: []string{"127.0.0.11:53", "[2001:db8::53]:53", "[fe80::1%eth0]:53"}},
		{name: "no nameserver means glibc's default", opts: Options{ResolvConf: write("b", "search x\n")},
			want: []string{"127.0.0.1:53", "[::1]:53"}},
		{name: "missing file means glibc's default", opts: Options{ResolvConf: filepath.Join(dir, "none")},
			want: []string{"127.0.0.1:53", "[::1]:53"}},
		{name: "garbage lines skipped", opts: Options{ResolvConf: write("c", "nameserver\nnameserver not-an-ip\nnameserver 10.0.0.2\n")},
			want: []string{"10.0.0.2:53"}},
		{name: "override", opts: Options{ResolvConf: write("d", "nameserver 10.0.0.2\n"), Upstreams: []string{"192.0.2.53", "[2001:db8::53]:5353"}},
			want: []string{"192.0.2.53:53", "[2001:db8::53]:5353"}},
		{name: "bad override", opts: Options{Upstreams: []string{"dns.example"}}, wantErr: `upstream "dns.example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := upstreams(&tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := addrStrings(got); !slices.Equal(s, tt.want) {
				t.Fatalf("got %v, want %v", s, tt.want)
			}
		})
	}
}
