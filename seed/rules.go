package seed

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/google/uuid"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// Standards returns the monthly dibao standards of every county of tree for the year of
// now and the year before (P12), in the range of Dezhou's recent figures: urban 850 to
// 950 yuan and rural 640 to 700 yuan a month per person, the year before 20 yuan less,
// and a rural standard always at least 20 yuan above the default provincial poverty line
// of its year. The same tree and now always give the same standards.
func Standards(tree *division.Tree, now time.Time) []models.DibaoStandard {
	counties := tree.Within(division.CityCode, models.LevelCounty)
	lines := policy.DefaultConfig()
	var out []models.DibaoStandard
	for i, c := range counties {
		urban := models.Yuan(int64(850 + (i*37)%101))
		rural := models.Yuan(int64(640 + (i*23)%61))
		for _, back := range []int{1, 0} {
			year := now.Year() - back
			u, r := urban-models.Yuan(int64(20*back)), rural-models.Yuan(int64(20*back))
			if line, ok := lines.PovertyLine(year); ok && r < line+models.Yuan(20) {
				r = line + models.Yuan(20)
			}
			t := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
			out = append(out, models.DibaoStandard{
				ID: deterministicID(c.Code, year), AreaCode: c.Code, Year: year, Urban: u, Rural: r,
				SetBy: Actor, CreatedAt: t, UpdatedAt: t,
			})
		}
	}
	return out
}

// Verifications returns an economic verification (P10) for about two households in
// five of ds, checked within the 180 days before now: each member's verified income is
// the declared one give or take a tenth, a few households have rigid medical or
// education expenditure, a few an asset finding, and some elderly members without
// labour capacity cannot care for themselves. The same ds and now always give the same
// verifications.
func Verifications(ds Dataset, now time.Time) ([]models.Verification, []models.VerificationMember) {
	r := rand.New(rand.NewPCG(2, uint64(len(ds.Households))))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	byHousehold := map[string][]models.Member{}
	for _, m := range ds.Members {
		byHousehold[m.HouseholdID] = append(byHousehold[m.HouseholdID], m)
	}
	departments := []string{"民政局核对中心", "税务局", "住房和城乡建设局", "公安局车辆管理所", "人力资源和社会保障局"}
	var vs []models.Verification
	var lines []models.VerificationMember
	for _, h := range ds.Households {
		if r.IntN(5) >= 2 {
			continue
		}
		ms := byHousehold[h.ID]
		v := models.Verification{
			ID: deterministicID(h.ID, 0), HouseholdID: h.ID, AreaCode: h.AreaCode,
			SourceDepartment: departments[r.IntN(len(departments))],
			CheckDate:        models.DateOf(today.AddDate(0, 0, -r.IntN(180))),
			MemberCount:      len(ms), RecordedBy: Actor, Latest: true,
			OwnsVehicle: r.IntN(40) == 0, SecondProperty: r.IntN(80) == 0, Business: r.IntN(60) == 0,
			DepositsOverLimit: r.IntN(50) == 0,
		}
		v.CreatedAt = v.CheckDate.Add(10 * time.Hour)
		if r.IntN(6) == 0 {
			v.MedicalExpenditure = models.Yuan(int64(100 + r.IntN(900)))
		}
		if r.IntN(8) == 0 {
			v.EducationExpenditure = models.Yuan(int64(100 + r.IntN(500)))
		}
		for i, m := range ms {
			income := m.MonthlyIncome
			if income > 0 {
				income = income * models.Money(90+r.IntN(21)) / 100
			}
			age := policy.Age(m.BirthDate, today)
			lost := age >= 75 && m.LabourCapacity == models.LabourNone && r.IntN(3) == 0
			lines = append(lines, models.VerificationMember{
				ID: deterministicID(h.ID, i+1), VerificationID: v.ID, MemberID: m.ID, AreaCode: h.AreaCode,
				MonthlyIncome: income, SelfCareLost: lost,
			})
			v.TotalIncome += income
		}
		v.PerCapitaIncome = policy.PerCapita(v.TotalIncome, v.MemberCount)
		vs = append(vs, v)
	}
	return vs, lines
}

// deterministicID returns a name-based UUID of key and n, the same on every run.
func deterministicID(key string, n int) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("jiuzhu:"+key+":"+strconv.Itoa(n))).String()
}
