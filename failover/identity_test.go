package failover

import (
	"errors"
	"testing"

	"github.com/regdr/regdr/dns"
)

// TestApplyRefusesPlanForUnmanagedRecord: a plan re-sealed by a key holder and pointed at
// another record of the zone (www instead of the target's apex) is refused, failover and
// failback alike — the switcher only writes the record its target names.
func TestApplyRefusesPlanForUnmanagedRecord(t *testing.T) {
	t.Parallel()
	for _, failback := range []bool{false, true} {
		t.Run(map[bool]string{false: "failover", true: "failback"}[failback], func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			other, err := w.addRecord(dns.Record{Name: "www", Type: dns.TypeA, Value: "10.9.9.9", TTL: 60})
			if err != nil {
				t.Fatal(err)
			}
			s := w.switcher(t)
			plan := integrityPlan(t, w, s, failback)
			edited := *plan
			c := plan.Changes[0]
			if c.Restores != nil {
				cp := *c.Restores
				c.Restores = &cp
			}
			c.RecordID, c.Name, c.FQDN, c.Observed = other.ID, other.Name, "www."+zoneName, other
			c.From, c.Done = valueOf(other), false
			if !failback {
				c.To.TTL = other.TTL
			}
			edited.Changes = []RecordChange{c}
			key, err := s.planKey()
			if err != nil {
				t.Fatal(err)
			}
			edited.Fingerprint = fingerprint(edited.Changes)
			edited.Seal = planMAC(key, &edited)
			writes := w.provider.Writes()
			_, err = s.Apply(ctx(t), &edited)
			got, _ := w.mem.Record(other.ID)
			if !errors.Is(err, ErrStalePlan) || got.Value != other.Value || w.provider.Writes() != writes {
				t.Errorf("Apply(resealed for www) = %v; www now %s %s (was %s): want ErrStalePlan and nothing written", err, got.Type, got.Value, other.Value)
			}
		})
	}
}
