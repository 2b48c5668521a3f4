package policy

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Input is what Resolve decides from.
type Input struct {
	// ImageRef is the image reference as the engine reports it, such as
	// "docker.io/library/python:3.12"; "" when unknown.
	ImageRef string
	// ImageDigest is the image manifest digest; "" when unknown.
	ImageDigest string
	// Requests from any channels, in any order; nil entries are skipped.
	Requests []*Request
}

// Origin says what set a part of the effective policy.
type Origin struct {
	// Channel is the request's channel; "" for the admin config.
	Channel Channel `json:"channel,omitempty"`
	// Source is the request key ("agentrt.io/egress") or the admin key
	// ("images[0]", "default_profile").
	Source string `json:"source"`
}

// Result is the outcome of Resolve.
type Result struct {
	// Policy is the effective policy, normalized.
	Policy *Policy
	// Hash is Policy.Hash().
	Hash string
	// ProfileOrigin says what selected the profile.
	ProfileOrigin Origin
	// Channels lists the channels whose asks were applied, lowest
	// precedence first.
	Channels []Channel
	// Origins maps each field a request set, by its policy name
	// ("network.allow"), to the request; a field not listed holds the
	// profile's default. A section's origins are those of its fields.
	Origins map[string]Origin
	// Warnings are decisions to log at Warn: ignored channels, clamped
	// asks, profile requests overridden by an image rule.
	Warnings []string
}

// Resolve computes the effective policy for one container:
//
//  1. The profile is the one an admin image rule selects (first match),
//     else the one the highest-precedence request names, if that
//     profile is selectable from the request's channel, else
//     default_profile. Naming an unknown or unselectable profile is an
//     error.
//  2. The policy starts as the profile's defaults. No request, or only
//     ignored ones, means exactly the defaults: never "no sandbox".
//  3. For each field, the request from the highest-precedence channel
//     that sets it wins: annotation over image over policy-file. The
//     others' asks for that field are dropped, whatever they were.
//  4. The winning ask narrows freely; where it widens the defaults it
//     must stay within the profile's ceiling. Beyond it, Resolve fails
//     with an *ExceedsCeilingError per excess (on_exceed = "reject"), or
//     cuts the ask down to the ceiling and warns (on_exceed = "clamp").
//
// Requests from channels the config does not trust are ignored with a
// warning. A nil cfg means DefaultConfig().
func Resolve(cfg *Config, in Input) (*Result, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("resolve policy: %w: %w", ErrInvalidConfig, err)
	}
	s := &resolver{cfg: cfg, res: &Result{Origins: map[string]Origin{}}}
	reqs, err := s.usableRequests(in.Requests)
	if err != nil {
		return nil, err
	}
	name, err := s.chooseProfile(in, reqs)
	if err != nil {
		return nil, err
	}
	s.start(name)
	if err := s.applyAll(reqs); err != nil {
		return nil, err
	}
	return s.finish()
}

// resolver holds the state of one Resolve call.
type resolver struct {
	cfg     *Config
	res     *Result
	profile string
	def     *Policy // the profile's defaults, normalized
	ceil    Ceiling // the profile's ceiling, normalized
	pol     *Policy // the policy being built
}

func (s *resolver) warn(format string, args ...any) {
	s.res.Warnings = append(s.res.Warnings, fmt.Sprintf(format, args...))
}

// usableRequests drops nil and untrusted requests, validates the rest,
// makes implied asks explicit and sorts them by channel precedence.
func (s *resolver) usableRequests(in []*Request) ([]*Request, error) {
	var out []*Request
	var errs []error
	for _, r := range in {
		switch {
		case r == nil:
		case channelOrder.rank(string(r.Channel)) < 0:
			errs = append(errs, &RequestError{Channel: r.Channel, Source: r.Source,
				Err: invalidError("channel", string(r.Channel), channelOrder.want())})
		case !s.cfg.Trusts(r.Channel):
			s.warn("ignored the request from %s (%s): channel %q is not in trusted_channels", r.Source, r.Channel, r.Channel)
		default:
			if err := r.Validate(); err != nil {
				errs = append(errs, &RequestError{Channel: r.Channel, Source: r.Source, Err: err})
				continue
			}
			out = append(out, withImpliedEgress(r))
		}
	}
	slices.SortStableFunc(out, func(a, b *Request) int {
		return channelOrder.rank(string(a.Channel)) - channelOrder.rank(string(b.Channel))
	})
	return out, errors.Join(errs...)
}

// withImpliedEgress returns r, or a copy of r asking for egress
// "allowlist" when it lists destinations without an egress mode.
func withImpliedEgress(r *Request) *Request {
	n := r.Network
	if n == nil || n.Egress != nil || n.Allow == nil || len(*n.Allow) == 0 {
		return r
	}
	c := *r
	net := *n
	mode := EgressAllowlist
	net.Egress = &mode
	c.Network = &net
	c.Keys = maps.Clone(r.Keys)
	if c.Keys == nil {
		c.Keys = map[string]string{}
	}
	c.Keys["network.egress"] = r.KeyFor("network.allow")
	return &c
}

// chooseProfile applies step 1 of Resolve.
func (s *resolver) chooseProfile(in Input, reqs []*Request) (string, error) {
	var asked *Request
	for _, r := range reqs {
		if r.Profile != "" {
			asked = r
		}
	}
	if i, ok := s.cfg.matchImage(in); ok {
		rule := s.cfg.Images[i]
		s.res.ProfileOrigin = Origin{Source: indexed("images", i)}
		if asked != nil && asked.Profile != rule.Profile {
			s.warn("ignored %s %q (%s): images[%d] selects profile %q for this image",
				asked.KeyFor("profile"), asked.Profile, asked.Channel, i, rule.Profile)
		}
		return rule.Profile, nil
	}
	if asked == nil {
		s.res.ProfileOrigin = Origin{Source: "default_profile"}
		return s.cfg.DefaultProfile, nil
	}
	if err := s.cfg.checkSelectable(asked); err != nil {
		return "", err
	}
	s.res.ProfileOrigin = Origin{Channel: asked.Channel, Source: asked.KeyFor("profile")}
	s.markChannel(asked.Channel)
	return asked.Profile, nil
}

// matchImage returns the index of the first image rule matching in.
func (c *Config) matchImage(in Input) (int, bool) {
	for i, r := range c.Images {
		if r.Digest != "" && (r.Digest == in.ImageDigest || strings.HasSuffix(in.ImageRef, "@"+r.Digest)) {
			return i, true
		}
		if r.Match != "" && in.ImageRef != "" {
			if ok, _ := path.Match(r.Match, in.ImageRef); ok {
				return i, true
			}
		}
	}
	return 0, false
}

// checkSelectable refuses a profile request the config does not allow.
func (c *Config) checkSelectable(r *Request) error {
	p, ok := c.Profiles[r.Profile]
	if !ok {
		return &UnknownProfileError{Profile: r.Profile, Request: r.KeyFor("profile"),
			Channel: r.Channel, Source: r.Source, Known: c.ProfileNames()}
	}
	if !slices.Contains(p.Selectable, r.Channel) {
		return &ProfileNotAllowedError{Profile: r.Profile, Request: r.KeyFor("profile"),
			Channel: r.Channel, Source: r.Source, AdminKey: "profiles." + r.Profile + ".selectable"}
	}
	return nil
}

// start sets up the profile's defaults and ceiling, normalized copies.
func (s *resolver) start(name string) {
	p := s.cfg.Profiles[name]
	s.profile = name
	s.def = p.Defaults.Clone()
	s.def.Profile = name
	s.def.Normalize()
	s.ceil = p.Ceiling
	s.ceil.normalize()
	s.pol = s.def.Clone()
}

func (s *resolver) markChannel(ch Channel) {
	if !slices.Contains(s.res.Channels, ch) {
		s.res.Channels = append(s.res.Channels, ch)
	}
}

// applyAll applies steps 3 and 4 of Resolve, field by field.
func (s *resolver) applyAll(reqs []*Request) error {
	var errs []error
	for _, a := range appliers {
		r := winner(reqs, a)
		if r == nil {
			continue
		}
		for _, v := range a.apply(s, r) {
			errs = append(errs, s.exceeds(r, a.field, v))
		}
		s.res.Origins[a.field] = Origin{Channel: r.Channel, Source: r.KeyFor(a.field)}
		s.markChannel(r.Channel)
	}
	return errors.Join(errs...)
}

// winner is the highest-precedence request that sets a's field.
func winner(reqs []*Request, a applier) *Request {
	for i := len(reqs) - 1; i >= 0; i-- {
		if a.isSet(reqs[i]) {
			return reqs[i]
		}
	}
	return nil
}

// exceeds reports one excess: an error when rejecting, else a warning.
func (s *resolver) exceeds(r *Request, field string, v violation) error {
	err := &ExceedsCeilingError{Request: r.KeyFor(field), Value: v.value, Channel: r.Channel,
		Source: r.Source, Profile: s.profile, AdminKey: "profiles." + s.profile + "." + v.key}
	if s.cfg.onExceed() == OnExceedReject {
		return err
	}
	s.warn("%v; clamped, as on_exceed = %q", err, OnExceedClamp)
	return nil
}

// finish normalizes and hashes the policy.
func (s *resolver) finish() (*Result, error) {
	s.pol.Normalize()
	if s.pol.Network.Egress != EgressAllowlist {
		s.pol.Network.Allow = nil // meaningless, and would only change the hash
	}
	h, err := s.pol.Hash()
	if err != nil {
		return nil, fmt.Errorf("resolve policy: %w", err)
	}
	slices.SortFunc(s.res.Channels, func(a, b Channel) int {
		return channelOrder.rank(string(a)) - channelOrder.rank(string(b))
	})
	s.res.Policy, s.res.Hash = s.pol, h
	return s.res, nil
}
