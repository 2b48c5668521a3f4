package policy

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// DefaultProfileName is the embedded default's only profile.
const DefaultProfileName = "agent"

// DefaultConfig returns the embedded default config, used when
// DefaultConfigPath does not exist. Its one profile, "agent", is strict:
// read-only rootfs but /tmp and /workspace, no capabilities, the agent
// seccomp profile, no egress, at most 512 tasks and 4 GiB of memory
// (which bounds the writable tmpfs too), Landlock required (ABI
// 1 or later, best effort above it). Its ceiling lets a workload add
// egress to named hosts on ports 80 and 443, writable paths under /home,
// /tmp and /workspace, executables under /workspace, up to 4096 tasks
// and 16 GiB; never capabilities, host namespaces, other modes or another
// seccomp profile.
func DefaultConfig() *Config {
	c := &Config{
		Version:         ConfigVersion,
		DefaultProfile:  DefaultProfileName,
		OnExceed:        OnExceedReject,
		TrustedChannels: Channels(),
		AuditLog:        DefaultAuditLog,
		Profiles:        map[string]*Profile{DefaultProfileName: agentProfile()},
	}
	c.normalize()
	return c
}

func agentProfile() *Profile {
	return &Profile{
		Description: "Strict sandbox for AI agents: no network unless asked, writes only to /tmp and /workspace.",
		Selectable:  Channels(),
		Defaults:    agentDefaults(),
		Ceiling: Ceiling{
			Filesystem: FilesystemCeiling{
				Writable:           []string{"/home", "/tmp", "/workspace"},
				WritableExecutable: []string{"/workspace"},
			},
			Network: NetworkCeiling{
				Egress: EgressAllowlist,
				Allow:  []Destination{{Host: "*", Ports: []PortRange{{80, 80}, {443, 443}}}},
			},
			Resources: ResourcesCeiling{Pids: 4096, MemoryBytes: 16 << 30},
		},
	}
}

// agentDefaults is the "agent" profile's policy. Landlock: ABI 1 (Linux
// 5.13) is the floor so that a kernel without Landlock is refused rather
// than silently running without filesystem rules; best effort lets ABI 1
// to 6 kernels run with the rights they cannot handle (truncate before
// ABI 3, TCP before 4, device ioctl before 5, scoping before 6) named in
// the report. On ABI 7, as here, everything is enforced.
func agentDefaults() Policy {
	return Policy{
		Mode: ModeEnforce,
		Filesystem: Filesystem{
			ReadOnlyRootfs: true,
			Readable:       []string{"/"},
			Writable:       []string{"/tmp", "/workspace"},
			Executable:     defaultExecutable,
		},
		Network: Network{Egress: EgressNone, DNS: DNSFilter},
		Process: Process{NoNewPrivileges: true, Seccomp: SeccompAgent},
		// The memory limit also bounds the tmpfs of the writable paths:
		// tmpfs pages are charged to the cgroup of the writer.
		Resources: Resources{Pids: 512, MemoryBytes: 4 << 30},
		Isolation: Isolation{Tier: TierContainer},
		Landlock:  Landlock{MinABI: 1, BestEffort: true},
	}
}

// defaultExecutable is the tool allowlist of the default profile: the
// directories where images keep programs, interpreters, the dynamic loader
// and the helpers compilers run (/usr/lib/gcc, /usr/libexec). A file
// written anywhere else, such as a binary downloaded to /tmp, cannot be
// executed: Landlock adds up the rights of every rule above a file, so an
// execute rule on "/" would make every writable path executable too.
var defaultExecutable = []string{
	"/bin", "/lib", "/lib64", "/opt", "/sbin",
	"/usr/bin", "/usr/lib", "/usr/lib64", "/usr/libexec",
	"/usr/local/bin", "/usr/local/lib", "/usr/local/sbin", "/usr/sbin",
}

// DefaultTOML returns the embedded default config as TOML, with a
// comment on every key and a commented-out image rule: what `agentrt
// config default` prints. Reading it back gives DefaultConfig.
func DefaultTOML() []byte {
	b, err := encodeTOML(DefaultConfig())
	if err != nil {
		panic(fmt.Sprintf("encode the embedded default config: %v", err))
	}
	return append(b, imageRuleExample()...)
}

// ExampleTOML returns config.toml.example: a header and DefaultTOML.
func ExampleTOML() []byte {
	return append([]byte(exampleHeader), DefaultTOML()...)
}

// imageRuleExample documents [[images]], which the default lacks, with
// the Images field's own comment and an encoded example rule.
func imageRuleExample() []byte {
	var b bytes.Buffer
	b.WriteString("\n")
	field, _ := reflect.TypeFor[Config]().FieldByName("Images")
	for line := range strings.Lines(field.Tag.Get("comment") + "\n") {
		b.WriteString("# " + line)
	}
	rule, err := encodeTOML(struct {
		Images []ImageRule `toml:"images"`
	}{[]ImageRule{
		{Match: "registry.example.com/agents/*", Profile: DefaultProfileName},
		{Digest: "sha256:" + strings.Repeat("0", 64), Profile: DefaultProfileName},
	}})
	if err != nil {
		panic(fmt.Sprintf("encode the example image rule: %v", err))
	}
	for line := range strings.Lines(string(rule)) {
		switch {
		case line == "\n":
			line = "#\n"
		case !strings.HasPrefix(line, "#"):
			line = "# " + line
		}
		b.WriteString(line)
	}
	return b.Bytes()
}

const exampleHeader = `# agentrt admin config: /etc/agentrt/config.toml, or the file named by
# --config or $AGENTRT_CONFIG. Without a file at the default path agentrt
# uses exactly this config (print it with "agentrt config default"; check a
# file with "agentrt config check FILE").
#
# A workload's requests (agentrt.io/* annotations, image annotations, the
# image's /etc/agentrt/policy.json) may narrow its profile's defaults and
# widen them only up to the profile's ceiling. Unknown keys are errors.
#
# Generated from the Config struct of the policy package; do not edit.

`

func encodeTOML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.SetIndentTables(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
