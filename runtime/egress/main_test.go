package egress

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the DNS filter that Setup
// re-executes (/proc/self/exe egress-dns-filter ...).
func TestMain(m *testing.M) {
	MaybeRunDNSFilter()
	os.Exit(m.Run())
}
