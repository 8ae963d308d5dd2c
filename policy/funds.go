package policy

import (
	"time"

	"jiuzhu/models"
)

// CheckDraw returns a *models.FieldError on field "amount" unless a draw of amount from a
// township reserve fund holding balance is allowed (P16): more than zero, and never more
// than the balance. The message names both figures.
func CheckDraw(amount, balance models.Money) error {
	if amount <= 0 {
		return models.Invalid("amount", "a draw must be more than zero, got %s", amount)
	}
	if amount > balance {
		return models.Invalid("amount", "the draw of %s exceeds the reserve fund's balance of %s", amount, balance)
	}
	return nil
}

// CheckCharityFiling returns a *models.FieldError unless a charity's aid given on date
// may be filed with the filedInAdvance flag on the day today (P4): aid reported in
// advance cannot have been given before the day it is filed.
func CheckCharityFiling(date models.Date, filedInAdvance bool, today time.Time) error {
	if filedInAdvance && date.Before(models.DateOf(today).Time) {
		return models.Invalid("filedInAdvance", "aid given on %s, before today, cannot be filed in advance", date)
	}
	return nil
}

// ChinaTime is the zone of Dezhou (UTC+8, no daylight saving), in which calendar years
// and days of the policy are counted.
var ChinaTime = time.FixedZone("CST", 8*3600)
