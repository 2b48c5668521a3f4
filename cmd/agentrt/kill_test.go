package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSignal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    unix.Signal
		wantErr bool
	}{
		{name: "number", in: "9", want: unix.SIGKILL},
		{name: "zero checks existence", in: "0", want: 0},
		{name: "name", in: "KILL", want: unix.SIGKILL},
		{name: "name with SIG", in: "SIGTERM", want: unix.SIGTERM},
		{name: "lower case", in: "term", want: unix.SIGTERM},
		{name: "negative", in: "-1", wantErr: true},
		{name: "beyond the last signal", in: "65", wantErr: true},
		{name: "unknown name", in: "NOSIG", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSignal(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseSignal(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
