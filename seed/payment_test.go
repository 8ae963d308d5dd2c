package seed

import (
	"testing"

	"jiuzhu/catalogue"
)

// TestOneOffProgramsAgreeWithCatalogue checks that the generator pays lump sums on
// exactly the programs the catalogue calls one-off, so that the money committed per
// month that dashboards show is the monthly amounts of the demo data.
func TestOneOffProgramsAgreeWithCatalogue(t *testing.T) {
	for _, p := range catalogue.Programs() {
		if oneOff[p.Code] == catalogue.IsRecurring(p.Code) {
			t.Errorf("%s: one-off in the generator %v, recurring in the catalogue %v", p.Code, oneOff[p.Code], catalogue.IsRecurring(p.Code))
		}
	}
}
