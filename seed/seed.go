// Package seed generates a deterministic, realistic demo dataset of Dezhou's
// social-assistance recipients in memory: households in the real villages of the
// division tree, their members with valid resident ID numbers, the grants they receive
// from the catalogue's programs, and one "opened" audit event per grant.
//
// The generator uses no clock and no global randomness: the same tree, n and now always
// give the same records, ids included, so that demos, screenshots and benchmarks are
// reproducible.
package seed

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// Dataset is generated demo data, ready to insert.
type Dataset struct {
	Households []models.Household
	Members    []models.Member
	Grants     []models.Grant
	// Events holds one "opened" event per grant: FromStatus nil, ToStatus the grant's
	// status, Actor "seed", ActorRole admin, ActorArea division.CityCode, Reason "opened".
	Events []models.GrantEvent
}

// Demo areas that the printed demo tokens use; the generator guarantees records in each.
const (
	DemoCounty   = "371402000000" // 德城区
	DemoTownship = "371402001000" // 新湖街道
)

// Actor is the CreatedBy of generated grants and the Actor of their events.
const Actor = "seed"

// idOffset is how long before now the time stamps of generated ids begin; the id of the
// k-th generated record carries now - idOffset + k milliseconds.
const idOffset = 30 * 24 * time.Hour

// DemoVillage returns the first village (in code order) of DemoTownship in tree, or ""
// when the tree has none.
func DemoVillage(tree *division.Tree) string {
	vs := tree.Within(DemoTownship, models.LevelVillage)
	if len(vs) == 0 {
		return ""
	}
	return vs[0].Code
}

// Generate returns n households spread over the real villages of tree, with members and
// grants. The same n (and tree, now) always gives the same content, ids included.
//
// Every 10th household (the 0th, 10th, 20th, …) lives in a village of DemoTownship, round
// robin from DemoVillage on; the others live in villages picked uniformly from the whole
// city. Members' sex and birth date are those their ID numbers encode, and ID numbers are
// unique across the dataset. Records are appended in generation order, so each slice is
// sorted by id. Generate returns an empty Dataset when n <= 0 or the tree has no village.
func Generate(tree *division.Tree, n int, now time.Time) Dataset {
	if n <= 0 {
		return Dataset{}
	}
	all := tree.Within(division.CityCode, models.LevelVillage)
	if len(all) == 0 {
		return Dataset{}
	}
	g := newGenerator(n, now)
	villages := make([]village, len(all))
	for i, u := range all {
		villages[i] = newVillage(tree, u)
	}
	var demo []int
	for i, u := range all {
		if division.Contains(DemoTownship, u.Code) {
			demo = append(demo, i) // in code order, so demo[0] is DemoVillage
		}
	}
	for i := 0; i < n; i++ {
		var v *village
		if i%10 == 0 && len(demo) > 0 {
			v = &villages[demo[(i/10)%len(demo)]]
		} else {
			v = &villages[g.r.IntN(len(villages))]
		}
		g.household(v)
	}
	return g.ds
}

// village is what the generator needs to know about a village.
type village struct {
	code      string
	region    string // the first 6 digits: the county of first registration in ID numbers
	regionNum uint64
	place     string // township and short village name, the start of an address
	urban     bool
}

func newVillage(tree *division.Tree, u *division.Unit) village {
	v := village{code: u.Code, region: u.Code[:6], urban: u.Urban}
	n, _ := strconv.ParseUint(v.region, 10, 64)
	v.regionNum = n
	township := ""
	if p, ok := tree.Unit(u.Parent); ok {
		township = p.Name
	}
	v.place = township + shortVillageName(u.Name, u.Urban)
	return v
}

// shortVillageName turns a committee's name into the place name used in addresses:
// 张庄村民委员会 → 张庄村, 季庄村村委会 → 季庄村, 尉署社区居委会 → 尉署社区.
func shortVillageName(name string, urban bool) string {
	if urban {
		for _, suf := range []string{"居民委员会", "居委会"} {
			name = strings.TrimSuffix(name, suf)
		}
		if !strings.HasSuffix(name, "社区") {
			name += "社区"
		}
		return name
	}
	for _, suf := range []string{"村民委员会", "村委会", "委员会"} {
		if s, ok := strings.CutSuffix(name, suf); ok {
			name = s
			break
		}
	}
	if !strings.HasSuffix(name, "村") && !strings.HasSuffix(name, "社区") {
		name += "村"
	}
	return name
}

// generator holds the state of one Generate call.
type generator struct {
	r      *rand.Rand
	now    time.Time // UTC, whole seconds
	today  time.Time // midnight UTC of now's date
	oldest time.Time // the earliest birth date generated
	maxAge int

	idBase int64 // Unix milliseconds of the first id
	idSeq  int64

	usedIDNumbers map[uint64]struct{}
	categories    map[string]string // program code → category code
	refSeq        int

	members  []member     // the members of the current household
	standard models.Money // the dibao standard per person of the current household's village
	dibaoGap models.Money // standard × members − income, the household's dibao
	cands    []cand       // grant candidates of the current household
	ds       Dataset
}

func newGenerator(n int, now time.Time) *generator {
	now = now.UTC().Truncate(time.Second)
	g := &generator{
		r:      rand.New(rand.NewPCG(1, uint64(n))),
		now:    now,
		today:  time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
		oldest: time.Date(1930, time.January, 1, 0, 0, 0, 0, time.UTC),
		idBase: now.Add(-idOffset).UnixMilli(),
	}
	g.maxAge = min(96, g.today.Year()-g.oldest.Year()-1)
	g.categories = map[string]string{}
	for _, p := range catalogue.Programs() {
		g.categories[p.Code] = p.CategoryCode
	}
	g.usedIDNumbers = make(map[uint64]struct{}, n*3)
	g.ds = Dataset{
		Households: make([]models.Household, 0, n),
		Members:    make([]models.Member, 0, n*29/10+16), // 2.75 per household on average
		Grants:     make([]models.Grant, 0, n*14/10+16),  // 1.27 per household on average
		Events:     make([]models.GrantEvent, 0, n*14/10+16),
	}
	return g
}

// newID returns a UUID version 7 whose time stamp is idBase plus the number of ids made
// so far, so ids are unique and ordered by generation, and whose other bits are random.
func (g *generator) newID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], g.r.Uint64())
	binary.BigEndian.PutUint64(b[8:16], g.r.Uint64())
	ms := uint64(g.idBase + g.idSeq)
	g.idSeq++
	b[0], b[1], b[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	b[3], b[4], b[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return uuid.UUID(b).String()
}

// between returns a uniform integer in [lo, hi], or lo when hi < lo.
func (g *generator) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

// chance returns true with probability p.
func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

// money returns an amount between lo and hi yuan, in whole yuan half of the time and
// with fen otherwise.
func (g *generator) money(lo, hi int) models.Money {
	if g.chance(0.5) {
		return models.Yuan(int64(g.between(lo, hi)))
	}
	return models.Money(g.between(lo*100, hi*100))
}

// Household kinds, with their weights out of 100.
type kind int

const (
	singleElderly kind = iota
	elderlyCouple
	coupleWithChildren
	threeGenerations
	singleParent
	disabledPerson
	leftBehind // grandparents raising grandchildren
	singleIll
)

var kindWeights = []struct {
	k kind
	w int
}{
	{singleElderly, 16}, {elderlyCouple, 14}, {coupleWithChildren, 22}, {threeGenerations, 14},
	{singleParent, 12}, {disabledPerson, 10}, {leftBehind, 7}, {singleIll, 5},
}

func (g *generator) kind() kind {
	x := g.r.IntN(100)
	for _, kw := range kindWeights {
		if x < kw.w {
			return kw.k
		}
		x -= kw.w
	}
	return coupleWithChildren
}

// person is a planned member: who they are relative to the head, before an ID number.
type person struct {
	rel        models.Relation
	age        int
	sex        models.Sex
	surname    string
	disability int // 0 for none, else 1 (most severe) to 4
	ill        bool
}

// member is a generated member with what grant planning needs to know of it.
type member struct {
	index      int // in ds.Members
	age        int
	rel        models.Relation
	disability int
	ill        bool
	student    bool
	labour     models.LabourCapacity
	income     models.Money
}

func opposite(s models.Sex) models.Sex {
	if s == models.SexMale {
		return models.SexFemale
	}
	return models.SexMale
}

func (g *generator) sex(maleShare float64) models.Sex {
	if g.chance(maleShare) {
		return models.SexMale
	}
	return models.SexFemale
}

// Age gaps between generations, kept one year inside the 18–40 that tests and reviewers
// expect, so that moving a birth date by a day to keep ID numbers unique never breaks them.
const (
	minGap = 19
	maxGap = 39
)

// childAges appends to dst the ages of up to count children of a parent aged p, the
// eldest typically 22–32 years younger than p and the others 2–6 years apart. It appends
// fewer when p is too young for that many, none when p is too young for any.
func (g *generator) childAges(p, count int, dst []int) []int {
	lo, hi := max(0, p-maxGap), p-minGap
	if hi < 0 {
		return dst
	}
	a := min(max(p-g.between(22, 32), lo), hi)
	for range count {
		if a < lo {
			break
		}
		dst = append(dst, a)
		a -= g.between(2, 6)
	}
	return dst
}

// parentAge returns an age for a parent of someone aged c, and false if it would exceed
// the oldest age generated.
func (g *generator) parentAge(c int) (int, bool) {
	lo, hi := c+minGap, min(c+maxGap, g.maxAge)
	if lo > hi {
		return 0, false
	}
	return min(max(c+g.between(22, 34), lo), hi), true
}

// spouseAge returns the age of the spouse of someone aged a of sex s: wives are usually
// a little younger, husbands a little older, never more than 5 years apart.
func (g *generator) spouseAge(a int, s models.Sex) int {
	d := g.between(-2, 5)
	if s == models.SexFemale {
		d = -d
	}
	return min(max(a-d, 18), g.maxAge)
}

// plan returns the members of a household of kind k, the head first.
func (g *generator) plan(k kind, out []person) []person {
	out = out[:0]
	family := g.surname()
	add := func(p person) { out = append(out, p) }
	head := func(age int, sex models.Sex) person {
		return person{rel: models.RelationHead, age: min(age, g.maxAge), sex: sex, surname: family}
	}
	spouse := func(h person) person {
		return person{rel: models.RelationSpouse, age: g.spouseAge(h.age, h.sex), sex: opposite(h.sex), surname: g.surname()}
	}
	var ages [4]int
	children := func(h person, count int, rel models.Relation) {
		for _, a := range g.childAges(h.age, count, ages[:0]) {
			add(person{rel: rel, age: a, sex: g.sex(0.52), surname: g.childSurname(family)})
		}
	}
	parents := func(h person, count int) {
		for i := range count {
			a, ok := g.parentAge(h.age)
			if !ok {
				return
			}
			s := models.SexFemale // widowed mothers outnumber widowed fathers
			if (count == 2 && i == 0) || (count == 1 && g.chance(0.35)) {
				s = models.SexMale
			}
			sn := family
			if s == models.SexFemale {
				sn = g.surname()
			}
			add(person{rel: models.RelationParent, age: a, sex: s, surname: sn})
		}
	}
	switch k {
	case singleElderly:
		h := head(g.between(60, 92), g.sex(0.4))
		h.ill = g.chance(0.3)
		add(h)
	case elderlyCouple:
		h := head(g.between(60, 88), g.sex(0.85))
		add(h)
		add(spouse(h))
	case coupleWithChildren:
		h := head(g.between(24, 55), g.sex(0.85))
		add(h)
		add(spouse(h))
		children(h, g.pickCount(40, 45, 15), models.RelationChild)
	case threeGenerations:
		if g.chance(0.5) {
			// A middle-aged couple with their children and the head's parents.
			h := head(g.between(30, 55), g.sex(0.85))
			add(h)
			add(spouse(h))
			children(h, g.pickCount(60, 40), models.RelationChild)
			parents(h, g.pickCount(55, 45))
		} else {
			// An older couple with a married child and grandchildren.
			h := head(g.between(50, 72), g.sex(0.8))
			add(h)
			if g.chance(0.8) {
				add(spouse(h))
			}
			ca := min(max(h.age-g.between(22, 32), 21), h.age-minGap)
			c := person{rel: models.RelationChild, age: ca, sex: g.sex(0.75), surname: family}
			add(c)
			add(person{rel: models.RelationChildInLaw, age: g.spouseAge(c.age, c.sex), sex: opposite(c.sex), surname: g.surname()})
			gsn := family
			if c.sex == models.SexFemale {
				gsn = g.surname()
			}
			for _, a := range g.childAges(c.age, g.pickCount(60, 40), ages[:0]) {
				add(person{rel: models.RelationGrandchild, age: a, sex: g.sex(0.52), surname: gsn})
			}
		}
	case singleParent:
		h := head(g.between(25, 50), g.sex(0.3))
		add(h)
		children(h, g.pickCount(55, 35, 10), models.RelationChild)
	case disabledPerson:
		h := head(g.between(20, 59), g.sex(0.55))
		h.disability = g.disabilityLevel()
		add(h)
		switch x := g.r.IntN(10); {
		case x < 5:
			parents(h, g.pickCount(50, 50))
		case x < 8:
			add(spouse(h))
		}
	case leftBehind:
		h := head(g.between(55, 80), g.sex(0.6))
		add(h)
		if g.chance(0.6) {
			add(spouse(h))
		}
		// Left-behind grandchildren of 1 to 16, 2–5 years apart.
		a := g.between(4, min(16, h.age-2*minGap))
		for range g.pickCount(55, 45) {
			if a < 1 {
				break
			}
			add(person{rel: models.RelationGrandchild, age: a, sex: g.sex(0.52), surname: g.childSurname(family)})
			a -= g.between(2, 5)
		}
	case singleIll:
		h := head(g.between(35, 59), g.sex(0.6))
		h.ill = true
		add(h)
	}
	// Illness and disability that come with any household.
	for i := range out {
		p := &out[i]
		if p.disability == 0 && p.age >= 3 && g.chance(0.05) {
			p.disability = g.disabilityLevel()
		}
		if !p.ill && p.age >= 18 {
			p.ill = g.chance(0.06) || (p.age >= 65 && g.chance(0.12))
		}
	}
	return out
}

// pickCount returns 1 + i with probability proportional to weights[i].
func (g *generator) pickCount(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := g.r.IntN(total)
	for i, w := range weights {
		if x < w {
			return i + 1
		}
		x -= w
	}
	return 1
}

// disabilityLevel returns a level from 1 (most severe) to 4, milder ones more often.
func (g *generator) disabilityLevel() int {
	switch x := g.r.IntN(100); {
	case x < 15:
		return 1
	case x < 40:
		return 2
	case x < 70:
		return 3
	default:
		return 4
	}
}

// birth returns a birth date that makes someone age years old today, not before 1930 and
// not later than yesterday.
func (g *generator) birth(age int) time.Time {
	b := g.today.AddDate(-age, 0, -g.r.IntN(365))
	if !b.Before(g.today) {
		b = g.today.AddDate(0, 0, -1)
	}
	if b.Before(g.oldest) {
		b = g.oldest.AddDate(0, 0, g.r.IntN(365))
	}
	return b
}

// idNumber returns a resident ID number for someone of sex born near birth in v's county,
// unused so far, and the birth date it encodes: it tries other sequence numbers of the
// same sex on a collision, and neighbouring days when a day is full.
func (g *generator) idNumber(v *village, birth time.Time, sex models.Sex) (string, time.Time) {
	seq0 := g.r.IntN(500) * 2
	if sex == models.SexMale {
		seq0++
	}
	latest := g.today.AddDate(0, 0, -1)
	for shift := 0; shift < 80000; shift++ {
		// Day offsets 0, +1, -1, +2, -2, …
		d := (shift + 1) / 2
		if shift%2 == 0 {
			d = -d
		}
		b := birth.AddDate(0, 0, d)
		if b.Before(g.oldest) || b.After(latest) {
			continue
		}
		y, m, day := b.Date()
		base := v.regionNum*100_000_000_000 + uint64(y*10000+int(m)*100+day)*1000
		for i := 0; i < 500; i++ {
			seq := (seq0 + 2*i) % 1000
			key := base + uint64(seq)
			if _, used := g.usedIDNumbers[key]; used {
				continue
			}
			g.usedIDNumbers[key] = struct{}{}
			return idnumber.Build(v.region, b, seq), b
		}
	}
	panic("seed: no unused resident ID number left in region " + v.region)
}

// household generates one household in v with its members and grants.
func (g *generator) household(v *village) {
	span := int64(2 * 365 * 24 * time.Hour / time.Second)
	created := g.now.Add(-time.Duration(g.r.Int64N(span)) * time.Second)
	updated := created
	if g.chance(0.4) {
		updated = created.Add(time.Duration(g.r.Int64N(int64(g.now.Sub(created)/time.Second)+1)) * time.Second)
	}
	h := models.Household{
		ID:                g.newID(),
		AreaCode:          v.code,
		Address:           g.address(v),
		PovertyRegistered: g.chance(0.28) && !v.urban || v.urban && g.chance(0.08),
		Version:           1,
		CreatedAt:         created,
		UpdatedAt:         updated,
	}
	if g.chance(0.12) {
		g.refSeq++
		ref := "RS-" + pad(g.refSeq, 6)
		h.ExternalRef = &ref
	}
	g.ds.Households = append(g.ds.Households, h)

	k := g.kind()
	var buf [8]person
	people := g.plan(k, buf[:])
	g.members = g.members[:0]
	for _, p := range people {
		g.addMember(&h, v, p)
	}
	g.grants(&h, v, k)
}

// addMember materializes a planned person as a member of h.
func (g *generator) addMember(h *models.Household, v *village, p person) {
	num, b := g.idNumber(v, g.birth(p.age), p.sex)
	birth := models.Date{Time: b}
	age := policy.Age(birth, g.now)
	m := models.Member{
		ID:          g.newID(),
		HouseholdID: h.ID,
		AreaCode:    h.AreaCode,
		Name:        g.name(p, b.Year()),
		IDNumber:    num,
		Sex:         p.sex,
		BirthDate:   birth,
		Relation:    p.rel,
		CreatedAt:   h.CreatedAt,
		UpdatedAt:   h.UpdatedAt,
	}
	if p.disability > 0 {
		d := p.disability
		m.DisabilityLevel = &d
	}
	labour := policy.DefaultLabourCapacity(age)
	if labour != models.LabourNone {
		switch {
		case p.disability == 1 || p.disability == 2:
			labour = models.LabourNone
		case p.disability > 0:
			labour = models.LabourPartial
		case p.ill && g.chance(0.3):
			labour = models.LabourNone
		case p.ill:
			labour = models.LabourPartial
		}
	}
	m.LabourCapacity = labour
	// Children of 16 to 18 are at school; most of 19 to 22 at college.
	student := (p.rel == models.RelationChild || p.rel == models.RelationGrandchild) &&
		(age >= 16 && age <= 18 || age >= 19 && age <= 22 && labour != models.LabourNone && g.chance(0.7))
	switch {
	case age < policy.WorkingAgeFrom || student:
	case age >= policy.WorkingAgeUntil:
		if g.chance(0.2) {
			m.MonthlyIncome = g.money(100, 400) // a small pension
		}
	case labour == models.LabourFull:
		m.MonthlyIncome = g.money(300, 2500)
	case labour == models.LabourPartial:
		if g.chance(0.6) {
			m.MonthlyIncome = g.money(200, 800)
		}
	}
	g.ds.Members = append(g.ds.Members, m)
	g.members = append(g.members, member{
		index: len(g.ds.Members) - 1, age: age, rel: p.rel, disability: p.disability,
		ill: p.ill, student: student, labour: labour, income: m.MonthlyIncome,
	})
}

// name returns a full name for p, distinct from the names of the household's members
// generated so far.
func (g *generator) name(p person, year int) string {
	for {
		n := p.surname + g.givenName(p.sex, year)
		clash := false
		for _, m := range g.members {
			if g.ds.Members[m.index].Name == n {
				clash = true
				break
			}
		}
		if !clash {
			return n
		}
	}
}

// address returns a street address in v: 3组12号 in the country, 5号楼2单元301室 in town.
func (g *generator) address(v *village) string {
	if v.urban {
		return v.place + strconv.Itoa(g.between(1, 36)) + "号楼" + strconv.Itoa(g.between(1, 6)) + "单元" +
			strconv.Itoa(g.between(1, 18)) + pad(g.between(1, 4), 2) + "室"
	}
	return v.place + strconv.Itoa(g.between(1, 12)) + "组" + strconv.Itoa(g.between(1, 120)) + "号"
}

// pad writes n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// cand is a grant a household plausibly receives: a program, the member it is for (-1
// for the household as a whole, else an index into g.members) and a sampling weight.
type cand struct {
	program string
	member  int
	weight  int
}

// oneOff holds the programs paid once (or per school term): their amount is the sum
// paid and their grants always carry an end date. The others pay a monthly amount.
var oneOff = map[string]bool{
	"MEDICAL_OUTPATIENT": true, "MEDICAL_INPATIENT": true, "MEDICAL_CRITICAL": true,
	"EDU_PRESCHOOL": true, "EDU_COMPULSORY": true, "EDU_HIGHSCHOOL": true, "EDU_COLLEGE": true,
	"HOUSING_RENOVATION": true, "EMPLOYMENT_SUBSIDY": true, "DISASTER_RELIEF": true,
	"TEMPORARY_RELIEF": true,
}

// grants gives about 80% of households 1 to 3 grants on programs that fit them.
func (g *generator) grants(h *models.Household, v *village, k kind) {
	if !g.chance(0.8) {
		return
	}
	want := g.pickCount(50, 35, 15)
	g.cands = g.cands[:0]
	var income models.Money
	for _, m := range g.members {
		income += m.income
	}
	size := models.Money(len(g.members))
	perCapita := income / size
	// The local monthly dibao standard per person, roughly Dezhou's of recent years.
	g.standard = models.Yuan(int64(g.between(620, 700)))
	if v.urban {
		g.standard = models.Yuan(int64(g.between(850, 950)))
	}
	// Dibao pays the gap between the standard and the family's income, in whole yuan.
	g.dibaoGap = (g.standard*size - income + 99) / 100 * 100

	// The basic living guarantee: 特困 for a lone elderly person without income, else
	// 低保 when income per head is below the standard, else sometimes the low-income
	// programme (P17: up to 1.5 times the standard).
	primary := cand{member: -1}
	switch {
	case k == singleElderly && income == 0 && g.chance(0.75):
		primary = cand{program: "TEKUN_DISPERSED", member: 0}
		if g.members[0].age >= 75 && g.chance(0.2) {
			primary.program = "TEKUN_CENTRALIZED"
		}
	case perCapita < g.standard && g.chance(0.8):
		primary.program = catalogue.ProgramRuralDibao
		if v.urban {
			primary.program = catalogue.ProgramUrbanDibao
		}
	case perCapita < g.standard*3/2 && g.chance(0.4):
		primary.program = "LOW_INCOME"
	}

	for i, m := range g.members {
		if m.disability > 0 {
			g.cands = append(g.cands, cand{"DISABILITY_LIVING", i, 5})
			if m.disability <= 2 {
				g.cands = append(g.cands, cand{"DISABILITY_CARE", i, 5})
			}
		}
		switch {
		case m.age >= 3 && m.age <= 5:
			g.cands = append(g.cands, cand{"EDU_PRESCHOOL", i, 4})
		case m.age >= 6 && m.age <= 14:
			g.cands = append(g.cands, cand{"EDU_COMPULSORY", i, 4})
		case m.age >= 15 && m.age <= 17:
			g.cands = append(g.cands, cand{"EDU_HIGHSCHOOL", i, 4})
		case m.student && m.age >= 18:
			g.cands = append(g.cands, cand{"EDU_COLLEGE", i, 5})
		}
		if m.ill || (m.age >= 65 && g.chance(0.3)) {
			p := "MEDICAL_OUTPATIENT"
			switch x := g.r.IntN(10); {
			case x == 0:
				p = "MEDICAL_CRITICAL"
			case x < 4:
				p = "MEDICAL_INPATIENT"
			}
			g.cands = append(g.cands, cand{p, i, 3})
		}
		if k == leftBehind && m.rel == models.RelationGrandchild {
			p := "CHILD_UNSUPPORTED"
			if g.chance(0.2) {
				p = "CHILD_ORPHAN"
			}
			g.cands = append(g.cands, cand{p, i, 8})
		}
		if m.age >= 35 && m.age < policy.WorkingAgeUntil && m.labour != models.LabourNone && g.chance(0.3) {
			p := "EMPLOYMENT_PUBLIC_POST"
			if g.chance(0.4) {
				p = "EMPLOYMENT_SUBSIDY"
			}
			g.cands = append(g.cands, cand{p, i, 2})
		}
	}
	if v.urban {
		if g.chance(0.2) {
			g.cands = append(g.cands, cand{"HOUSING_RENT_SUBSIDY", -1, 2})
		} else if g.chance(0.1) {
			g.cands = append(g.cands, cand{"HOUSING_PUBLIC_RENTAL", -1, 2})
		}
	} else {
		if g.chance(0.1) {
			g.cands = append(g.cands, cand{"HOUSING_RENOVATION", -1, 2})
		}
		if g.chance(0.04) {
			g.cands = append(g.cands, cand{"DISASTER_RELIEF", -1, 2})
		}
	}
	g.cands = append(g.cands, cand{"TEMPORARY_RELIEF", -1, 2})

	made := 0
	if primary.program != "" {
		g.grant(h, primary)
		made++
	}
	// Weighted sampling without replacement from the other candidates.
	for ; made < want && len(g.cands) > 0; made++ {
		total := 0
		for _, c := range g.cands {
			total += c.weight
		}
		x := g.r.IntN(total)
		j := 0
		for ; j < len(g.cands)-1 && x >= g.cands[j].weight; j++ {
			x -= g.cands[j].weight
		}
		g.grant(h, g.cands[j])
		g.cands = append(g.cands[:j], g.cands[j+1:]...)
	}
}

// grantStatus returns ACTIVE mostly, else PENDING, SUSPENDED or TERMINATED.
func (g *generator) grantStatus() models.GrantStatus {
	switch x := g.r.IntN(100); {
	case x < 7:
		return models.GrantPending
	case x < 12:
		return models.GrantSuspended
	case x < 20:
		return models.GrantTerminated
	default:
		return models.GrantActive
	}
}

// amount returns a realistic amount for program: the monthly payment of recurring
// programs, the sum paid of one-off ones.
func (g *generator) amount(program string, size int) models.Money {
	switch program {
	case catalogue.ProgramUrbanDibao, catalogue.ProgramRuralDibao:
		return max(g.dibaoGap, models.Yuan(int64(30*size)))
	case "LOW_INCOME":
		return models.Yuan(int64(g.between(100, 300)))
	case "TEKUN_DISPERSED":
		// The basic living standard of 特困 is 1.3 times the local dibao standard.
		return (g.standard*13/10 + 99) / 100 * 100
	case "TEKUN_CENTRALIZED":
		return (g.standard*13/10+99)/100*100 + models.Yuan(int64(g.between(100, 300)))
	case "DISABILITY_LIVING":
		return models.Yuan(int64(g.between(90, 140)))
	case "DISABILITY_CARE":
		return models.Yuan(int64(g.between(100, 200)))
	case "EDU_PRESCHOOL":
		return models.Yuan(500)
	case "EDU_COMPULSORY":
		if g.chance(0.6) {
			return models.Yuan(500)
		}
		return models.Yuan(625)
	case "EDU_HIGHSCHOOL":
		return models.Yuan(1000)
	case "EDU_COLLEGE":
		return models.Yuan(int64(g.between(6, 16) * 500))
	case "MEDICAL_OUTPATIENT":
		return g.money(200, 3000)
	case "MEDICAL_INPATIENT":
		return g.money(1000, 30000)
	case "MEDICAL_CRITICAL":
		return g.money(20000, 100000)
	case "CHILD_ORPHAN", "CHILD_UNSUPPORTED":
		return models.Yuan(int64(g.between(1300, 1500)))
	case "EMPLOYMENT_PUBLIC_POST":
		return models.Yuan(int64(g.between(1200, 1900)))
	case "EMPLOYMENT_SUBSIDY":
		return models.Yuan(int64(g.between(2, 10) * 100))
	case "HOUSING_RENOVATION":
		return models.Yuan(int64(g.between(10, 35) * 1000))
	case "HOUSING_RENT_SUBSIDY":
		return models.Yuan(int64(g.between(300, 800)))
	case "HOUSING_PUBLIC_RENTAL":
		return models.Yuan(int64(g.between(200, 500)))
	case "DISASTER_RELIEF":
		return models.Yuan(int64(g.between(5, 30) * 100))
	default: // TEMPORARY_RELIEF and anything else
		return models.Yuan(int64(g.between(5, 50) * 100))
	}
}

// durationMonths returns how long a one-off grant runs.
func (g *generator) durationMonths(program string) int {
	switch program {
	case "EDU_COLLEGE":
		return 12
	case "EDU_PRESCHOOL", "EDU_COMPULSORY", "EDU_HIGHSCHOOL":
		return 6
	case "HOUSING_RENOVATION":
		return g.between(3, 12)
	case "EMPLOYMENT_SUBSIDY":
		return g.between(1, 6)
	default:
		return g.between(1, 3)
	}
}

// grant appends a grant of c to h, with its "opened" event. A program missing from the
// catalogue is skipped.
func (g *generator) grant(h *models.Household, c cand) {
	category, ok := g.categories[c.program]
	if !ok {
		return
	}
	status := g.grantStatus()
	// How far back the start may lie: 3 years, less for pending applications and school
	// terms, and never before the member was born.
	back := 3*365 - 1
	switch {
	case status == models.GrantPending:
		back = 60
	case strings.HasPrefix(c.program, "EDU_"):
		back = 300
	}
	var memberID *string
	if c.member >= 0 {
		m := g.ds.Members[g.members[c.member].index]
		id := m.ID
		memberID = &id
		back = min(back, int(g.today.Sub(m.BirthDate.Time)/(24*time.Hour))-1)
	}
	start := g.today.AddDate(0, 0, -g.between(0, back))
	var end *models.Date
	var endT time.Time
	if oneOff[c.program] {
		endT = start.AddDate(0, g.durationMonths(c.program), 0)
	}
	if status == models.GrantTerminated {
		days := max(1, int(g.today.Sub(start)/(24*time.Hour)))
		stop := start.AddDate(0, 0, g.between(1, days))
		if endT.IsZero() || stop.Before(endT) {
			endT = stop
		}
	}
	if !endT.IsZero() {
		d := models.DateOf(endT)
		end = &d
	}
	created := h.CreatedAt.Add(time.Duration(g.r.Int64N(int64(g.now.Sub(h.CreatedAt)/time.Second)+1)) * time.Second)
	gr := models.Grant{
		ID:           g.newID(),
		HouseholdID:  h.ID,
		MemberID:     memberID,
		AreaCode:     h.AreaCode,
		ProgramCode:  c.program,
		CategoryCode: category,
		Status:       status,
		Amount:       g.amount(c.program, len(g.members)),
		StartDate:    models.DateOf(start),
		EndDate:      end,
		Version:      1,
		CreatedBy:    Actor,
		CreatedAt:    created,
		UpdatedAt:    created,
	}
	g.ds.Grants = append(g.ds.Grants, gr)
	g.ds.Events = append(g.ds.Events, models.GrantEvent{
		ID:        g.newID(),
		GrantID:   gr.ID,
		AreaCode:  gr.AreaCode,
		Actor:     Actor,
		ActorRole: models.RoleAdmin,
		ActorArea: division.CityCode,
		ToStatus:  status,
		Reason:    "opened",
		CreatedAt: created,
	})
}

// commonSurnames are the twenty most frequent Chinese surnames; they are drawn more often.
var commonSurnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
	"徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
}

// surnames are common Chinese surnames, including those frequent in northern Shandong.
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
	"徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
	"彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈",
	"姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"石", "廖", "贾", "夏", "付", "方", "白", "邹", "孟", "秦",
	"邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "史", "陶",
	"贺", "顾", "毛", "郝", "邵", "万", "武", "戴", "孔", "常",
	"庞", "牛", "耿", "刁", "齐", "左", "宫", "葛", "管", "房",
}

// Given names by sex and generation: people born before 1960, from 1960 to 1989, and
// from 1990 on.
var givenNames = [2][3][]string{
	{ // male
		{"建国", "国庆", "德明", "玉田", "树林", "长林", "福生", "保国", "振华", "志明",
			"立新", "洪亮", "春生", "永福", "广才", "金山", "玉林", "春林", "庆海", "秀山",
			"文成", "德福", "有才", "凤山", "学文", "志远", "宝山", "庆祥", "万福", "殿元"},
		{"建华", "志强", "建军", "海涛", "立军", "永强", "志刚", "卫东", "红军", "军",
			"伟", "强", "磊", "勇", "刚", "斌", "峰", "涛", "明", "亮",
			"建平", "国强", "海军", "文杰", "晓东", "建伟", "振宇", "宏伟", "海波", "春雷"},
		{"浩然", "子轩", "宇轩", "浩宇", "梓豪", "俊杰", "一鸣", "博文", "皓轩", "天佑",
			"宇航", "嘉豪", "明轩", "思远", "晨阳", "鑫", "鹏", "帅", "超", "博",
			"凯", "宇", "昊", "泽宇", "家豪", "子墨", "奕辰", "铭泽", "佳乐", "睿"},
	},
	{ // female
		{"秀英", "桂英", "玉兰", "秀兰", "桂兰", "淑珍", "凤英", "玉珍", "秀珍", "桂芝",
			"淑兰", "凤兰", "玉梅", "素芳", "翠兰", "兰英", "桂荣", "秀云", "淑英", "玉芳",
			"春兰", "金凤", "秀荣", "玉英", "凤琴", "美兰", "桂珍", "淑华", "玉华", "秀芳"},
		{"丽", "艳", "静", "敏", "燕", "娟", "霞", "红", "芳", "玲",
			"丽娟", "红梅", "艳玲", "海燕", "晓燕", "春燕", "秀丽", "丽华", "美玲", "雪梅",
			"玉红", "桂红", "彩霞", "晓红", "丽萍", "艳华", "慧敏", "红霞", "建芳", "爱华"},
		{"欣怡", "梓涵", "子涵", "雨涵", "诗涵", "可欣", "思雨", "佳怡", "一诺", "语桐",
			"若曦", "梦瑶", "雨桐", "紫涵", "佳琪", "欣然", "雅琪", "婉婷", "静怡", "诗琪",
			"晓雯", "梦琪", "思琪", "欣悦", "雨欣", "可馨", "艺涵", "梓萱", "沐晴", "安琪"},
	},
}

// nameChars are characters that given names of one sex are composed of.
var nameChars = [2][]string{
	{"国", "建", "志", "明", "文", "伟", "华", "军", "强", "平", "东", "海", "波", "涛", "斌",
		"刚", "勇", "杰", "峰", "磊", "鹏", "宇", "浩", "俊", "博", "辉", "振", "兴", "德", "庆",
		"春", "金", "林", "成", "立", "永", "新", "云", "山", "福"},
	{"秀", "英", "兰", "桂", "玉", "珍", "芳", "丽", "娟", "艳", "燕", "红", "霞", "玲", "梅",
		"静", "敏", "婷", "雪", "慧", "琳", "萍", "莉", "颖", "倩", "洁", "凤", "春", "月", "雅",
		"欣", "怡", "晓", "美", "爱", "琴", "娜", "佳", "淑", "云"},
}

// surname returns a surname, one of the twenty most common ones more than half the time.
func (g *generator) surname() string {
	if g.chance(0.55) {
		return commonSurnames[g.r.IntN(len(commonSurnames))]
	}
	return surnames[g.r.IntN(len(surnames))]
}

// childSurname returns the family surname, or now and then the other parent's.
func (g *generator) childSurname(family string) string {
	if g.chance(0.92) {
		return family
	}
	return g.surname()
}

// givenName returns a given name of one or two characters fitting sex and birth year.
func (g *generator) givenName(sex models.Sex, year int) string {
	s := 0
	if sex == models.SexFemale {
		s = 1
	}
	if g.chance(0.2) {
		chars := nameChars[s]
		first := chars[g.r.IntN(len(chars))]
		if g.chance(0.25) {
			return first
		}
		return first + chars[g.r.IntN(len(chars))]
	}
	era := 2
	switch {
	case year < 1960:
		era = 0
	case year < 1990:
		era = 1
	}
	list := givenNames[s][era]
	return list[g.r.IntN(len(list))]
}
