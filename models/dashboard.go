package models

// AreaStats holds the figures of one jurisdiction for dashboards, and the same figures
// for each of its children. A grant counts as active when its status is ACTIVE or GRACE.
type AreaStats struct {
	// Area is the jurisdiction, with its population when known.
	Area *Jurisdiction
	// Households counts the registered households.
	Households int
	// Members counts the members of the registered households.
	Members int
	// ActiveHouseholds counts the households holding at least one active grant.
	ActiveHouseholds int
	// ActivePersons counts the members of those households.
	ActivePersons int
	// ByProgram breaks the active recipients down by program, in catalogue order.
	ByProgram []*ProgramStats
	// ByCategory breaks the active recipients down by category, in catalogue order.
	ByCategory []*CategoryStats
	// CommittedMonthly sums the monthly amounts of the active grants of recurring programs.
	CommittedMonthly Money
	// GraceHouseholds counts the households holding a grant in the grace period (P13).
	GraceHouseholds int
	// LowIncomeHouseholds counts low-income households (P17); nil while not determined.
	LowIncomeHouseholds *int
	// Population is the resident population when known.
	Population *int
	// CoveragePerThousand is ActivePersons per 1,000 residents, nil when the population
	// is unknown.
	CoveragePerThousand *float64
	// Children holds the figures of each child jurisdiction, in code order.
	Children []*AreaStats
}

// ProgramStats counts the active recipients of one program.
type ProgramStats struct {
	Program          *Program
	Households       int
	Persons          int
	CommittedMonthly Money
}

// CategoryStats counts the active recipients of one category.
type CategoryStats struct {
	Category         *Category
	Households       int
	Persons          int
	CommittedMonthly Money
}

// Trends holds the monthly figures of a jurisdiction, oldest month first.
type Trends struct {
	Area   *Jurisdiction
	Months []*TrendMonth
}

// TrendMonth holds the figures of one calendar month in Asia/Shanghai time.
type TrendMonth struct {
	// Month is written "2006-01".
	Month string
	// NewApplications counts the grants opened in the month.
	NewApplications int
	// Approvals counts the moves to ACTIVE from REVIEWED and the grants opened ACTIVE.
	Approvals int
	// Terminations counts the moves to TERMINATED.
	Terminations int
	// Committed sums the monthly amounts of the recurring grants paying in the month.
	Committed Money
	// Paid sums the payroll lines reconciled PAID whose settlement falls in the month.
	Paid Money
}
