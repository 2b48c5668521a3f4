package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
)

// connIn returns a netlink connection to nftables in the netns of nsf.
func connIn(nsf *os.File) (*nftables.Conn, error) {
	c, err := nftables.New(nftables.WithNetNSFd(int(nsf.Fd())))
	if err != nil {
		return nil, fmt.Errorf("netlink in netns %q: %w", nsf.Name(), err)
	}
	return c, nil
}

// tableExists reports whether agentrt's table is in the netns.
func tableExists(c *nftables.Conn) (bool, error) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return false, fmt.Errorf("list nftables tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == TableName {
			return true, nil
		}
	}
	return false, nil
}

// deleteTable removes agentrt's table, if it is there.
func deleteTable(c *nftables.Conn) error {
	ok, err := tableExists(c)
	if err != nil || !ok {
		return err
	}
	c.DelTable(agentrtTable())
	if err := c.Flush(); err != nil {
		return fmt.Errorf("delete nftables table %q: %w", "inet "+TableName, err)
	}
	return nil
}

// checkTable checks that the live table is the one plan p compiles to:
// the chains with their hooks and drop policies, the sets, the plan hash
// on the first output rule and the final refusal. It returns the DNS
// filter's port from the redirect rule.
func checkTable(c *nftables.Conn, p *plan) (uint16, error) {
	if ok, err := tableExists(c); err != nil || !ok {
		return 0, errors.Join(err, fmt.Errorf("no table %q", "inet "+TableName))
	}
	t := agentrtTable()
	if err := checkChains(c, p); err != nil {
		return 0, err
	}
	if err := checkSets(c, t, p); err != nil {
		return 0, err
	}
	if err := checkOutputRules(c, t, p); err != nil {
		return 0, err
	}
	if !p.filter() {
		return 0, nil
	}
	return redirectPort(c, t)
}

// wantChain is a chain the plan needs: its hook (nil for a regular
// chain) and whether its policy must be drop.
type wantChain struct {
	name string
	hook *nftables.ChainHook
	drop bool
}

func wantChains(p *plan) []wantChain {
	want := []wantChain{
		{chainInput, nftables.ChainHookInput, true}, {chainOutput, nftables.ChainHookOutput, true},
		{chainGuard, nftables.ChainHookOutput, false}, {chainDeny, nil, false},
	}
	if p.filter() {
		want = append(want, wantChain{chainRedirect, nftables.ChainHookOutput, false})
	}
	return want
}

func checkChains(c *nftables.Conn, p *plan) error {
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return fmt.Errorf("list nftables chains: %w", err)
	}
	byName := map[string]*nftables.Chain{}
	for _, ch := range chains {
		if ch.Table.Name == TableName {
			byName[ch.Name] = ch
		}
	}
	for _, w := range wantChains(p) {
		ch := byName[w.name]
		switch {
		case ch == nil:
			return fmt.Errorf("no chain %q", w.name)
		case w.hook != nil && (ch.Hooknum == nil || *ch.Hooknum != *w.hook):
			return fmt.Errorf("chain %q: not on its hook", w.name)
		case w.drop && (ch.Policy == nil || *ch.Policy != nftables.ChainPolicyDrop):
			return fmt.Errorf("chain %q: policy is not drop", w.name)
		}
	}
	return nil
}

func checkSets(c *nftables.Conn, t *nftables.Table, p *plan) error {
	sets, err := c.GetSets(t)
	if err != nil {
		return fmt.Errorf("list nftables sets: %w", err)
	}
	byName := map[string]*nftables.Set{}
	for _, s := range sets {
		byName[s.Name] = s
	}
	for _, name := range []string{setDenied4, setDenied6} {
		if byName[name] == nil {
			return fmt.Errorf("no set %q", name)
		}
	}
	for _, h := range p.Hosts {
		for _, name := range []string{h.Set4, h.Set6} {
			s := byName[name]
			if s == nil {
				return fmt.Errorf("no set %q for host %q", name, h.Host)
			}
			if s.HasTimeout != p.filter() {
				return fmt.Errorf("set %q: timeout flag %v, want %v", name, s.HasTimeout, p.filter())
			}
		}
	}
	return nil
}

func checkOutputRules(c *nftables.Conn, t *nftables.Table, p *plan) error {
	rules, err := c.GetRules(t, &nftables.Chain{Name: chainOutput, Table: t})
	if err != nil {
		return fmt.Errorf("list rules of chain %q: %w", chainOutput, err)
	}
	if len(rules) == 0 {
		return fmt.Errorf("chain %q: no rules", chainOutput)
	}
	got, _ := userdata.GetString(rules[0].UserData, userdata.TypeComment)
	if want := planComment + p.hash(); got != want {
		return fmt.Errorf("chain %q: rules of another plan (%q, want %q)", chainOutput, got, want)
	}
	last := rules[len(rules)-1].Exprs
	if len(last) == 0 {
		return fmt.Errorf("chain %q: last rule does not refuse", chainOutput)
	}
	if v, ok := last[len(last)-1].(*expr.Verdict); !ok || v.Kind != expr.VerdictJump || v.Chain != chainDeny {
		return fmt.Errorf("chain %q: last rule does not refuse", chainOutput)
	}
	return nil
}

// redirectPort reads the filter's port from the redirect rules.
func redirectPort(c *nftables.Conn, t *nftables.Table) (uint16, error) {
	rules, err := c.GetRules(t, &nftables.Chain{Name: chainRedirect, Table: t})
	if err != nil {
		return 0, fmt.Errorf("list rules of chain %q: %w", chainRedirect, err)
	}
	for _, r := range rules {
		for i, e := range r.Exprs {
			imm, ok := e.(*expr.Immediate)
			if ok && len(imm.Data) == 2 && i+1 < len(r.Exprs) {
				if _, ok := r.Exprs[i+1].(*expr.Redir); ok {
					return binaryutil.BigEndian.Uint16(imm.Data), nil
				}
			}
		}
	}
	return 0, fmt.Errorf("chain %q: no redirect to the dns filter", chainRedirect)
}

// readDenials returns the packet count of every denied destination.
func readDenials(c *nftables.Conn) (map[string]uint64, error) {
	t := agentrtTable()
	out := map[string]uint64{}
	for _, name := range []string{setDenied4, setDenied6} {
		s, err := c.GetSetByName(t, name)
		if err != nil {
			return nil, fmt.Errorf("nftables set %q: %w", name, err)
		}
		elems, err := c.GetSetElements(s)
		if err != nil {
			return nil, fmt.Errorf("elements of nftables set %q: %w", name, err)
		}
		for _, e := range elems {
			a, ok := netip.AddrFromSlice(e.Key)
			if !ok || e.Counter == nil {
				continue
			}
			out[a.String()] += e.Counter.Packets
		}
	}
	return out, nil
}
