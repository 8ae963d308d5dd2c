package models

import (
	"slices"
	"strings"
)

// VerificationRecord is one department's income or asset check of one person, as sent
// for bulk import (importVerifications, jiuzhu import verifications). Its key is the
// person's resident ID number, the source department and the check date. The findings
// are optional, but a record must carry at least one: a nil one says the check did not
// report on it, and the household's verification keeps what it knew before.
type VerificationRecord struct {
	IDNumber          string
	Source            string
	CheckDate         Date
	MonthlyIncome     *Money
	OwnsVehicle       *bool
	SecondProperty    *bool
	Business          *bool
	DepositsOverLimit *bool
}

// The departments whose checks can be imported, by the code stored as a verification's
// source department.
const (
	SourceTax                  = "TAX"
	SourceVehicles             = "VEHICLES"
	SourceRealEstate           = "REAL_ESTATE"
	SourceDeposits             = "DEPOSITS"
	SourceBusinessRegistration = "BUSINESS_REGISTRATION"
)

// VerificationSources lists the source codes of imported checks.
var VerificationSources = []string{SourceTax, SourceVehicles, SourceRealEstate, SourceDeposits, SourceBusinessRegistration}

// sourceNames maps the Chinese names of the departments to their codes.
var sourceNames = map[string]string{
	"税务": SourceTax, "税务局": SourceTax, "税务部门": SourceTax,
	"车辆": SourceVehicles, "车管": SourceVehicles, "车管所": SourceVehicles, "公安车管": SourceVehicles, "公安": SourceVehicles,
	"不动产": SourceRealEstate, "不动产登记": SourceRealEstate, "房产": SourceRealEstate, "自然资源": SourceRealEstate,
	"存款": SourceDeposits, "银行": SourceDeposits, "金融": SourceDeposits, "人民银行": SourceDeposits,
	"工商": SourceBusinessRegistration, "工商登记": SourceBusinessRegistration, "市场监管": SourceBusinessRegistration, "市场监管局": SourceBusinessRegistration,
}

// ParseVerificationSource returns the code of a source department given by its code
// (any case) or its Chinese name, and false when it is neither.
func ParseVerificationSource(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if code, ok := sourceNames[s]; ok {
		return code, true
	}
	code := strings.ToUpper(strings.ReplaceAll(s, " ", "_"))
	return code, slices.Contains(VerificationSources, code)
}
