package testrootfs

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// GlibcSuite is the Debian release that Glibc bootstraps.
const GlibcSuite = "bookworm"

// Glibc returns a Debian minbase rootfs of GlibcSuite cached under
// cacheDir as glibc-bookworm, running debootstrap first if needed (about
// 25 s, as root). The packages come from the mirror that apt on this
// machine uses, as found by DebianMirror. debootstrap's log is kept next
// to the tree as glibc-bookworm.log.
func Glibc(cacheDir string) (string, error) {
	name := "glibc-" + GlibcSuite
	return Cached(cacheDir, name, func(dir string) error {
		mirror, err := DebianMirror("/etc/apt")
		if err != nil {
			return err
		}
		return debootstrap(dir, mirror, filepath.Join(cacheDir, name+".log"))
	})
}

func debootstrap(dir, mirror, logPath string) error {
	bin, err := exec.LookPath("debootstrap")
	if err != nil {
		bin = "/usr/sbin/debootstrap"
	}
	cmd := exec.Command(bin, "--variant=minbase", GlibcSuite, dir, mirror)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
	runErr := cmd.Run()
	_ = os.WriteFile(logPath, out.Bytes(), 0o644)
	if runErr != nil {
		return fmt.Errorf("debootstrap %s from %q (log %q): %w: %s",
			GlibcSuite, mirror, logPath, runErr, lastLines(out.String(), 5))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "; ")
}

// aptSource is one "deb" line or deb822 stanza of an apt sources file.
type aptSource struct {
	uris       []string
	suites     []string
	components []string
}

// DebianMirror returns the URI of the first apt source under aptDir
// (normally /etc/apt) that serves GlibcSuite's main component:
// sources.list and sources.list.d/*.list in the one-line format, and
// sources.list.d/*.sources in the deb822 format.
func DebianMirror(aptDir string) (string, error) {
	files := []string{filepath.Join(aptDir, "sources.list")}
	for _, pattern := range []string{"*.list", "*.sources"} {
		m, _ := filepath.Glob(filepath.Join(aptDir, "sources.list.d", pattern))
		files = append(files, m...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		parse := parseOneLineSources
		if strings.HasSuffix(f, ".sources") {
			parse = parseDeb822Sources
		}
		for _, src := range parse(string(data)) {
			if uri := src.mirrorFor(GlibcSuite); uri != "" {
				return uri, nil
			}
		}
	}
	return "", fmt.Errorf("no apt source under %q serves %q main", aptDir, GlibcSuite)
}

// mirrorFor returns the source's first network or file URI when it lists
// suite and the main component.
func (s aptSource) mirrorFor(suite string) string {
	if !slices.Contains(s.suites, suite) || !slices.Contains(s.components, "main") {
		return ""
	}
	for _, u := range s.uris {
		for _, scheme := range []string{"http://", "https://", "file:/"} {
			if strings.HasPrefix(u, scheme) {
				return u
			}
		}
	}
	return ""
}

// parseOneLineSources reads "deb [opts] URI SUITE COMPONENT..." lines.
func parseOneLineSources(text string) []aptSource {
	var out []aptSource
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "deb" {
			continue
		}
		fields = fields[1:]
		if strings.HasPrefix(fields[0], "[") {
			for len(fields) > 0 && !strings.HasSuffix(fields[0], "]") {
				fields = fields[1:]
			}
			if len(fields) == 0 {
				continue
			}
			fields = fields[1:]
		}
		if len(fields) < 3 {
			continue
		}
		out = append(out, aptSource{uris: fields[:1], suites: fields[1:2], components: fields[2:]})
	}
	return out
}

// parseDeb822Sources reads deb822 stanzas (Types, URIs, Suites,
// Components, Enabled), separated by blank lines.
func parseDeb822Sources(text string) []aptSource {
	var out []aptSource
	for _, stanza := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n\n") {
		fields := map[string][]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				continue
			}
			fields[strings.ToLower(strings.TrimSpace(k))] = strings.Fields(v)
		}
		if !slices.Contains(fields["types"], "deb") || slices.Contains(fields["enabled"], "no") {
			continue
		}
		out = append(out, aptSource{uris: fields["uris"], suites: fields["suites"], components: fields["components"]})
	}
	return out
}
