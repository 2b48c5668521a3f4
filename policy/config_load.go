package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// maxConfigSize bounds the config file; real configs are a few KiB.
const maxConfigSize = 1 << 20

// defaultConfigPath is DefaultConfigPath, a variable for tests.
var defaultConfigPath = DefaultConfigPath

// ResolveConfigPath returns the admin config path: flag (the --config
// value) if set, else $AGENTRT_CONFIG if set, else DefaultConfigPath.
// explicit is true for the first two, where a missing file is an error.
func ResolveConfigPath(flag string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if env := os.Getenv(ConfigPathEnv); env != "" {
		return env, true
	}
	return defaultConfigPath, false
}

// LoadConfigFromFlag resolves the config path from the --config value
// (see ResolveConfigPath) and loads it. path is the file read, or ""
// when the embedded default applies because DefaultConfigPath is absent.
func LoadConfigFromFlag(flag string) (cfg *Config, path string, err error) {
	p, explicit := ResolveConfigPath(flag)
	if explicit {
		cfg, err = LoadConfig(p)
		return cfg, p, err
	}
	cfg, embedded, err := loadConfig("")
	if err != nil || embedded {
		return cfg, "", err
	}
	return cfg, p, nil
}

// LoadConfig reads and validates the admin config at path. An empty path
// means DefaultConfigPath, where a missing file yields DefaultConfig();
// a missing file at any path given explicitly is an error wrapping
// fs.ErrNotExist.
func LoadConfig(path string) (*Config, error) {
	cfg, _, err := loadConfig(path)
	return cfg, err
}

// loadConfig is LoadConfig, also reporting whether the embedded default
// was used.
func loadConfig(path string) (cfg *Config, embedded bool, err error) {
	name := path
	if name == "" {
		name = defaultConfigPath
	}
	data, err := readConfigFile(name)
	if path == "" && errors.Is(err, fs.ErrNotExist) {
		return DefaultConfig(), true, nil
	}
	if err != nil {
		return nil, false, err
	}
	cfg, err = ParseConfig(data, name)
	return cfg, false, err
}

func readConfigFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read admin config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read admin config %q: %w", name, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("read admin config %q: larger than %d bytes", name, maxConfigSize)
	}
	return data, nil
}

// CheckConfig reports every error of a config file: TOML syntax, unknown
// keys, wrong types and semantic errors. name is used in messages. Each
// error is a *ConfigError with the line (when known) and the key:
//
//	config.toml:12: profiles.agent.ceiling.network.allow[1]: destination "10.0.0.0/33": CIDR ...
func CheckConfig(data []byte, name string) error {
	_, err := ParseConfig(data, name)
	return err
}

// ParseConfig decodes, validates and normalizes a config file. Errors
// are those of CheckConfig.
func ParseConfig(data []byte, name string) (*Config, error) {
	cfg := Config{Profiles: strictProfiles(data)}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, decodeErrors(err, name)
	}
	cfg.fill()
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, locateErrors(errs, data, name)
	}
	cfg.normalize()
	return &cfg, nil
}

// strictProfiles returns, for every profile the file names, a profile
// whose defaults are the embedded default's strict ones, for the file's
// keys to be decoded over: a key the admin leaves out of a profile's
// defaults keeps the strict value (a read-only rootfs, Landlock, a pids
// limit), never the zero value, which would mean "no sandbox" for that
// part. A file that does not parse is left to the real decode to report.
func strictProfiles(data []byte) map[string]*Profile {
	var names struct {
		Profiles map[string]any `toml:"profiles"`
	}
	if toml.Unmarshal(data, &names) != nil || len(names.Profiles) == 0 {
		return nil
	}
	out := make(map[string]*Profile, len(names.Profiles))
	for name := range names.Profiles {
		out[name] = &Profile{Defaults: agentDefaults()}
	}
	return out
}

// fill gives omitted keys their defaults.
func (c *Config) fill() {
	if c.OnExceed == "" {
		c.OnExceed = OnExceedReject
	}
	if c.AuditLog == "" {
		c.AuditLog = DefaultAuditLog
	}
	if c.TrustedChannels == nil {
		c.TrustedChannels = Channels()
	}
}

// decodeErrors turns go-toml's errors into ConfigErrors with positions.
func decodeErrors(err error, name string) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		errs := make([]error, len(strict.Errors))
		for i := range strict.Errors {
			e := &strict.Errors[i]
			line, _ := e.Position()
			key := strings.Join(e.Key(), ".")
			errs[i] = &ConfigError{File: name, Line: line, Key: key, Err: &FieldError{Field: key, Err: ErrUnknownKey}}
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		key := strings.Join(de.Key(), ".")
		msg := errors.New(cleanDecodeMessage(de.Error()))
		if key == "" {
			return &ConfigError{File: name, Line: line, Err: msg}
		}
		return &ConfigError{File: name, Line: line, Key: key, Err: &FieldError{Field: key, Err: msg}}
	}
	return &ConfigError{File: name, Err: err}
}

// goTypeDetail matches go-toml's mention of Go struct fields, which
// means nothing to an admin.
var goTypeDetail = regexp.MustCompile(`struct field \S+ of type `)

func cleanDecodeMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "toml: ")
	return goTypeDetail.ReplaceAllString(msg, "")
}

// locateErrors wraps validation errors into ConfigErrors, looking up the
// line of each key in the document.
func locateErrors(errs []error, data []byte, name string) error {
	lines := keyLines(data)
	out := make([]error, len(errs))
	for i, err := range errs {
		ce := &ConfigError{File: name, Err: err}
		var fe *FieldError
		if errors.As(err, &fe) {
			ce.Key = fe.Field
			ce.Line = lines.find(fe.Field)
		}
		out[i] = ce
	}
	return errors.Join(out...)
}
