// Package catalogue is the one assistance catalogue of Dezhou (P1): 10 categories and
// 24 programs with stable codes and Chinese names. Programs are data with an active flag;
// the store seeds them and never overwrites a flag an admin has changed.
package catalogue

import "jiuzhu/models"

// Category codes that other parts of the product refer to by name.
const (
	CategoryDibao     = "DIBAO"
	CategoryTekun     = "TEKUN"
	CategoryMedical   = "MEDICAL"
	CategoryTemporary = "TEMPORARY"
)

// Program codes that other parts of the product refer to by name.
const (
	ProgramUrbanDibao = "URBAN_DIBAO"
	ProgramRuralDibao = "RURAL_DIBAO"
)

// Categories returns the ten categories in display order.
func Categories() []models.Category {
	names := []struct{ code, name string }{
		{CategoryDibao, "最低生活保障"},
		{CategoryTekun, "特困人员救助供养"},
		{CategoryMedical, "医疗救助"},
		{"EDUCATION", "教育救助"},
		{"HOUSING", "住房救助"},
		{"EMPLOYMENT", "就业救助"},
		{"DISASTER", "受灾人员救助"},
		{CategoryTemporary, "临时救助"},
		{"DISABILITY", "残疾人救助"},
		{"CHILDREN", "困境儿童保障"},
	}
	out := make([]models.Category, len(names))
	for i, n := range names {
		out[i] = models.Category{Code: n.code, Name: n.name, SortOrder: i + 1}
	}
	return out
}

// Programs returns the 24 programs in display order, all active.
func Programs() []models.Program {
	list := []struct{ code, name, category string }{
		{ProgramUrbanDibao, "城市最低生活保障", CategoryDibao},
		{ProgramRuralDibao, "农村最低生活保障", CategoryDibao},
		{"LOW_INCOME", "低收入家庭救助", CategoryDibao},
		{"TEKUN_DISPERSED", "特困人员分散供养", CategoryTekun},
		{"TEKUN_CENTRALIZED", "特困人员集中供养", CategoryTekun},
		{"MEDICAL_OUTPATIENT", "门诊医疗救助", CategoryMedical},
		{"MEDICAL_INPATIENT", "住院医疗救助", CategoryMedical},
		{"MEDICAL_CRITICAL", "重特大疾病医疗救助", CategoryMedical},
		{"EDU_PRESCHOOL", "学前教育资助", "EDUCATION"},
		{"EDU_COMPULSORY", "义务教育阶段生活补助", "EDUCATION"},
		{"EDU_HIGHSCHOOL", "普通高中国家助学金", "EDUCATION"},
		{"EDU_COLLEGE", "困难大学生救助", "EDUCATION"},
		{"HOUSING_RENOVATION", "农村危房改造", "HOUSING"},
		{"HOUSING_PUBLIC_RENTAL", "公共租赁住房保障", "HOUSING"},
		{"HOUSING_RENT_SUBSIDY", "住房租赁补贴", "HOUSING"},
		{"EMPLOYMENT_PUBLIC_POST", "公益性岗位安置", "EMPLOYMENT"},
		{"EMPLOYMENT_SUBSIDY", "就业援助补贴", "EMPLOYMENT"},
		{"DISASTER_RELIEF", "自然灾害生活救助", "DISASTER"},
		{"TEMPORARY_RELIEF", "临时救助", CategoryTemporary},
		{"TEMPORARY_VAGRANT", "生活无着流浪乞讨人员救助", CategoryTemporary},
		{"DISABILITY_LIVING", "困难残疾人生活补贴", "DISABILITY"},
		{"DISABILITY_CARE", "重度残疾人护理补贴", "DISABILITY"},
		{"CHILD_ORPHAN", "孤儿基本生活保障", "CHILDREN"},
		{"CHILD_UNSUPPORTED", "事实无人抚养儿童保障", "CHILDREN"},
	}
	out := make([]models.Program, len(list))
	for i, p := range list {
		out[i] = models.Program{Code: p.code, Name: p.name, CategoryCode: p.category, Active: true, SortOrder: i + 1}
	}
	return out
}

// DefaultReferralDays is the number of working days a department has to decide an
// application referred to it, unless a program's setting says otherwise.
const DefaultReferralDays = 10

// SeedFrom is the day from which the seeded settings of the programs are in force.
var SeedFrom = models.NewDate(2000, 1, 1)

// departmentOfCategory names the department that decides the programs of a category;
// the programs of other categories are decided by civil affairs.
var departmentOfCategory = map[string]models.Department{
	"EDUCATION":  models.DeptEducation,
	"HOUSING":    models.DeptHousing,
	"EMPLOYMENT": models.DeptHumanResources,
	"DISABILITY": models.DeptDisabledPersons,
}

// DepartmentOf returns the department that decides the programs of category by default:
// education for education aid, housing for housing (rental subsidies among them), human
// resources for employment assistance, the disabled persons' federation for disability
// programs, and civil affairs for the rest. Medical assistance stays with civil affairs,
// whose county office approves it from the bills (P3); a county that hands it to another
// department says so through changeProgram.
func DepartmentOf(category string) models.Department {
	if d, ok := departmentOfCategory[category]; ok {
		return d
	}
	return models.DeptCivilAffairs
}

// Settings returns the seeded city-wide setting of each of the 24 programs, in force
// from SeedFrom: its name, its default department and DefaultReferralDays. The store
// writes them once and keeps every later change as a new setting.
func Settings(cityCode string) []models.ProgramSetting {
	progs := Programs()
	out := make([]models.ProgramSetting, len(progs))
	for i, p := range progs {
		out[i] = models.ProgramSetting{
			ID: "seed-" + p.Code, ProgramCode: p.Code, AreaCode: cityCode, EffectiveFrom: SeedFrom,
			Name: p.Name, Department: DepartmentOf(p.CategoryCode), ReferralDays: DefaultReferralDays,
			Reason: "seeded catalogue", SetBy: "system",
		}
	}
	return out
}
