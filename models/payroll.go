package models

import (
	"io"
	"time"
)

// Payee is the payment account of a household (P22): the bank, the account number and
// the holder's name, to which its grants are paid (一卡通). The account number is personal
// data: it is shown masked (privacy.BankAccount) unless revealed, and every reveal is
// audited. AreaCode is the household's village.
type Payee struct {
	HouseholdID string `gorm:"primaryKey;size:36"`
	AreaCode    string `gorm:"size:12;not null;index"`
	Bank        string `gorm:"size:64;not null"`
	Account     string `gorm:"size:19;not null"`
	Holder      string `gorm:"size:64;not null"`
	Version     int    `gorm:"not null;default:1"`
	UpdatedBy   string `gorm:"size:128;not null"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PayeeInput sets a household's payment account.
type PayeeInput struct {
	HouseholdID string
	Bank        string
	Account     string
	Holder      string
}

// PayrollStatus is where a payroll stands: generated (DRAFT), approved by a second
// officer and locked (APPROVED), or every line settled by the bank's return file
// (SETTLED).
type PayrollStatus string

// The statuses of a payroll.
const (
	PayrollDraft    PayrollStatus = "DRAFT"
	PayrollApproved PayrollStatus = "APPROVED"
	PayrollSettled  PayrollStatus = "SETTLED"
)

// MarshalGQL writes the status.
func (v PayrollStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a payroll status.
func (v *PayrollStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, []PayrollStatus{PayrollDraft, PayrollApproved, PayrollSettled}, "status")
}

// PayrollLineKind says why a line pays: the month of the payroll (REGULAR), a month
// before it owed by a retroactive approval (ARREARS, 补发), a one-off program's amount
// (ONE_OFF), or a failed payment paid again (REISSUE).
type PayrollLineKind string

// The kinds of payroll line.
const (
	LineRegular PayrollLineKind = "REGULAR"
	LineArrears PayrollLineKind = "ARREARS"
	LineOneOff  PayrollLineKind = "ONE_OFF"
	LineReissue PayrollLineKind = "REISSUE"
)

// MarshalGQL writes the kind.
func (v PayrollLineKind) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a kind of payroll line.
func (v *PayrollLineKind) UnmarshalGQL(x any) error {
	return readEnum(x, v, []PayrollLineKind{LineRegular, LineArrears, LineOneOff, LineReissue}, "kind")
}

// LineStatus is the settlement of a payroll line: not yet known (UNSETTLED), paid by the
// bank (PAID), or failed (FAILED, with a reason).
type LineStatus string

// The settlements of a payroll line.
const (
	LineUnsettled LineStatus = "UNSETTLED"
	LinePaid      LineStatus = "PAID"
	LineFailed    LineStatus = "FAILED"
)

// MarshalGQL writes the settlement.
func (v LineStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a settlement.
func (v *LineStatus) UnmarshalGQL(x any) error {
	return readEnum(x, v, []LineStatus{LineUnsettled, LinePaid, LineFailed}, "status")
}

// ReasonNoPayee is the failure reason of a line whose household had no payment account
// when the payroll was generated; the line is re-issued once an account is set.
const ReasonNoPayee = "NO_PAYEE"

// Payroll is the monthly payroll (发放名册) of one county (P22): Run 0 is the month's
// regular payroll, runs 1, 2, … are supplementary runs that re-issue failed payments.
// AreaCode is the county's 12-digit code; there is one payroll per county, month and
// run. Once approved by another officer than the one who generated it, its lines are
// locked: only their settlement changes.
type Payroll struct {
	ID          string        `gorm:"primaryKey;size:36"`
	AreaCode    string        `gorm:"size:12;not null;uniqueIndex:idx_payrolls_county_month_run,priority:1"`
	Month       string        `gorm:"size:7;not null;uniqueIndex:idx_payrolls_county_month_run,priority:2"`
	Run         int           `gorm:"not null;uniqueIndex:idx_payrolls_county_month_run,priority:3"`
	Status      PayrollStatus `gorm:"size:10;not null"`
	LineCount   int           `gorm:"not null"`
	Total       Money         `gorm:"not null"`
	GeneratedBy string        `gorm:"size:128;not null"`
	ApprovedBy  *string       `gorm:"size:128"`
	ApprovedAt  *time.Time
	CreatedAt   time.Time
}

// PayrollLine is one payment of a payroll: one grant, one month owed, one amount, paid
// to the household's account as it was when the payroll was generated. Reference is the
// line's reference on the bank's list and return file. A grant is owed each month once:
// (GrantID, Month, Attempt) is unique, and a failed line is re-issued at most once
// (ReissueOf is unique), with the next attempt.
type PayrollLine struct {
	ID           string          `gorm:"primaryKey;size:36"`
	PayrollID    string          `gorm:"size:36;not null;index:idx_payroll_lines_payroll_seq,priority:1"`
	Seq          int             `gorm:"not null;index:idx_payroll_lines_payroll_seq,priority:2"`
	AreaCode     string          `gorm:"size:12;not null;index"`
	Reference    string          `gorm:"size:32;not null;uniqueIndex"`
	HouseholdID  string          `gorm:"size:36;not null"`
	GrantID      string          `gorm:"size:36;not null;uniqueIndex:idx_payroll_lines_grant_month,priority:1"`
	ProgramCode  string          `gorm:"size:40;not null"`
	CategoryCode string          `gorm:"size:32;not null"`
	Month        string          `gorm:"size:7;not null;uniqueIndex:idx_payroll_lines_grant_month,priority:2"`
	Attempt      int             `gorm:"not null;uniqueIndex:idx_payroll_lines_grant_month,priority:3"`
	Kind         PayrollLineKind `gorm:"size:8;not null"`
	ReissueOf    *string         `gorm:"size:36;uniqueIndex"`
	Amount       Money           `gorm:"not null"`
	Bank         string          `gorm:"size:64;not null;default:''"`
	Account      string          `gorm:"size:19;not null;default:''"`
	Holder       string          `gorm:"size:64;not null;default:''"`
	Status       LineStatus      `gorm:"size:10;not null"`
	Reason       string          `gorm:"size:200;not null;default:''"`
	SettledAt    *time.Time
}

// Settlement is one record of the bank's return file: the reference of a line, whether
// it was paid, the amount the bank saw and, for a failure, its reason.
type Settlement struct {
	// Row is the record's position in its file or list, from 1, for error messages.
	Row       int
	Reference string
	Status    LineStatus
	Amount    Money
	Reason    string
}

// ReconciliationResult says what a reconciliation did: how many lines it marked paid and
// failed, and the records it refused (written only when partial was asked for).
type ReconciliationResult struct {
	Paid    int
	Failed  int
	Refused []*FieldError
}
