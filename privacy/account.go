package privacy

// AccountTail is how many trailing digits of a bank account number the mask shows: what
// a bank's own statements print, enough for a household to recognise its card and too
// few to pay into it.
const AccountTail = 4

// BankAccount masks a bank account number to its last four digits:
// 6222021234567890123 becomes ***************0123. A value of four characters or fewer is
// masked whole.
func BankAccount(s string) string { return keepEnds(s, 0, AccountTail) }

// MaskWhole masks every character of s: what a caller reads of a value it may not see
// any part of, such as an account number an integrator reads on a payroll line.
func MaskWhole(s string) string { return keepEnds(s, 0, 0) }
