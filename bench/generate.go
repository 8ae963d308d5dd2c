package bench

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// The dataset's shape: every household has 1 to 5 members (3 on average) and 0 to 4
// grants (2 on average), so n households come with about 3n members and 2n grants, as
// the city-scale target asks (1M households, 3M members, 2M grants).
const (
	maxMembers = 5
	maxGrants  = 4
	seedValue  = 20231231
)

// dataset derives every record of household i from i alone, so that the households,
// members, grants and the households' programs can be streamed into PostgreSQL by four
// COPYs at once and still agree with each other.
type dataset struct {
	villages  []*division.Unit
	programs  []models.Program
	recurring map[string]bool // the codes of catalogue.Recurring
	base      time.Time       // created_at of every record; the time stamp of the first id
}

func newDataset(tree *division.Tree) *dataset {
	var progs []models.Program
	for _, p := range catalogue.Programs() {
		if p.Active {
			progs = append(progs, p)
		}
	}
	recurring := map[string]bool{}
	for _, p := range catalogue.Recurring() {
		recurring[p] = true
	}
	return &dataset{
		villages:  tree.Within(division.CityCode, models.LevelVillage),
		programs:  progs,
		recurring: recurring,
		base:      time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// shape is what all three streams must agree on for household i.
type shape struct {
	r               *rand.Rand
	village         *division.Unit
	members, grants int
	poverty         bool
}

func (d *dataset) shape(i int) shape {
	r := rand.New(rand.NewPCG(seedValue, uint64(i)))
	return shape{
		r:       r,
		village: d.villages[r.IntN(len(d.villages))],
		members: 1 + r.IntN(maxMembers),
		grants:  r.IntN(maxGrants + 1),
		poverty: r.IntN(4) == 0,
	}
}

// id returns a time-ordered UUID (v7) for record k of kind (0 households, 1 members,
// 2 grants) of household i: ids of later households sort later, like ids made over time.
func (d *dataset) id(kind, i, k int) string {
	var b [16]byte
	ms := uint64(d.base.UnixMilli()) + uint64(i)
	b[0], b[1], b[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	b[3], b[4], b[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	binary.BigEndian.PutUint16(b[6:8], uint16(kind<<8|k)&0x0fff|0x7000)
	binary.BigEndian.PutUint64(b[8:16], uint64(i)*0x9e3779b97f4a7c15^uint64(kind<<8|k))
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b).String()
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "罗", "高", "林"}
	given    = []string{"桂兰", "秀英", "建国", "志强", "玉梅", "海燕", "立新", "凤英", "国庆", "春花", "明", "伟", "芳", "娜", "静", "磊", "洋", "勇", "军", "杰"}
	statuses = []models.GrantStatus{models.GrantActive, models.GrantActive, models.GrantActive, models.GrantActive,
		models.GrantActive, models.GrantActive, models.GrantPending, models.GrantSuspended, models.GrantTerminated, models.GrantGrace}
)

// idNumbers hands out unique, valid resident ID numbers: one counter of sequence numbers
// per birth date, so that no two members share a number whatever their region.
type idNumbers struct {
	first time.Time
	days  int
	next  []uint16
}

func newIDNumbers() *idNumbers {
	first := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	return &idNumbers{first: first, days: days, next: make([]uint16, days)}
}

// take returns a number of region for someone born about day days after 1930-01-01 and
// the birth date and sex it encodes.
func (n *idNumbers) take(region string, day int) (string, time.Time, models.Sex) {
	for d := day % n.days; ; d = (d + 1) % n.days {
		if seq := n.next[d]; seq < 1000 {
			n.next[d]++
			birth := n.first.AddDate(0, 0, d)
			sex := models.SexFemale
			if seq%2 == 1 {
				sex = models.SexMale
			}
			return idnumber.Build(region, birth, int(seq)), birth, sex
		}
	}
}

// copyAll streams households [0, n) with their members, grants and programs into the
// tables with four concurrent COPYs. It returns the rows written per table.
func (d *dataset) copyAll(ctx context.Context, pool *pgxpool.Pool, n int) (map[string]int64, error) {
	type job struct {
		table string
		cols  []string
		src   pgx.CopyFromSource
	}
	jobs := []job{
		{"households", []string{"id", "area_code", "address", "poverty_registered", "version", "created_at", "updated_at",
			"member_count", "served", "in_grace", "committed_monthly", "tallied_area"}, d.households(n)},
		{"members", []string{"id", "household_id", "area_code", "name", "id_number", "sex", "birth_date", "relation",
			"labour_capacity", "monthly_income", "created_at", "updated_at"}, d.members(n)},
		{"grants", []string{"id", "household_id", "member_id", "area_code", "program_code", "category_code", "status",
			"amount", "start_date", "end_date", "version", "created_by", "created_at", "updated_at"}, d.grants(n)},
		{"household_programs", []string{"household_id", "program_code", "category_code", "area_code",
			"first_of_program", "first_of_category", "member_count", "in_grace", "committed_monthly"}, d.householdPrograms(n)},
	}
	type result struct {
		table string
		rows  int64
		err   error
	}
	done := make(chan result, len(jobs))
	for _, j := range jobs {
		go func() {
			rows, err := pool.CopyFrom(ctx, pgx.Identifier{j.table}, j.cols, j.src)
			done <- result{j.table, rows, err}
		}()
	}
	out := map[string]int64{}
	var first error
	for range jobs {
		r := <-done
		if r.err != nil && first == nil {
			first = fmt.Errorf("copy %s: %w", r.table, r.err)
		}
		out[r.table] = r.rows
	}
	return out, first
}

func (d *dataset) households(n int) pgx.CopyFromSource {
	i := -1
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i >= n {
			return nil, nil
		}
		s := d.shape(i)
		addr := s.village.Name + strconv.Itoa(1+s.r.IntN(300)) + "号"
		t, _ := d.tally(i)
		return []any{d.id(0, i, 0), s.village.Code, addr, s.poverty, 1, d.base, d.base,
			int64(t.MemberCount), t.Served, t.InGrace, int64(t.CommittedMonthly), s.village.Code}, nil
	})
}

func (d *dataset) members(n int) pgx.CopyFromSource {
	ids := newIDNumbers()
	i, k := 0, 0
	var s shape
	if n > 0 {
		s = d.shape(0)
	}
	return pgx.CopyFromFunc(func() ([]any, error) {
		for i < n && k >= s.members {
			i, k = i+1, 0
			if i < n {
				s = d.shape(i)
			}
		}
		if i >= n {
			return nil, nil
		}
		rel := models.RelationHead
		age := 25 + s.r.IntN(60)
		switch {
		case k == 1:
			rel = models.RelationSpouse
		case k > 1:
			rel, age = models.RelationChild, s.r.IntN(30)
		}
		num, birth, sex := ids.take(s.village.Code[:6], ids.days-age*365-s.r.IntN(365))
		labour := models.LabourFull
		if age < 16 || age >= 60 {
			labour = models.LabourNone
		}
		name := surnames[s.r.IntN(len(surnames))] + given[s.r.IntN(len(given))]
		income := models.Money(s.r.IntN(2000) * 100)
		row := []any{d.id(1, i, k), d.id(0, i, 0), s.village.Code, name, num, string(sex), birth, string(rel),
			string(labour), int64(income), d.base, d.base}
		k++
		return row, nil
	})
}

func (d *dataset) grants(n int) pgx.CopyFromSource {
	i, k := 0, 0
	var s shape
	if n > 0 {
		s = d.shape(0)
	}
	return pgx.CopyFromFunc(func() ([]any, error) {
		for i < n && k >= s.grants {
			i, k = i+1, 0
			if i < n {
				s = d.shape(i)
			}
		}
		if i >= n {
			return nil, nil
		}
		g := d.grant(&s, i)
		var end any
		if g.status == models.GrantTerminated {
			end = g.start.AddDate(0, 12, 0)
		}
		row := []any{d.id(2, i, k), d.id(0, i, 0), g.member, s.village.Code, g.program.Code, g.program.CategoryCode,
			string(g.status), g.amount, g.start, end, 1, "bench", d.base, d.base}
		k++
		return row, nil
	})
}

// grantDraw is what the dataset draws for one grant.
type grantDraw struct {
	program models.Program
	member  any // the id of the member it names, or nil
	start   time.Time
	status  models.GrantStatus
	amount  int64
}

// grant draws the next grant of household i from its shape s.
func (d *dataset) grant(s *shape, i int) grantDraw {
	g := grantDraw{program: d.programs[s.r.IntN(len(d.programs))]}
	if s.r.IntN(3) == 0 {
		g.member = d.id(1, i, s.r.IntN(s.members))
	}
	g.start = d.base.AddDate(0, -s.r.IntN(36), 0)
	g.status = statuses[s.r.IntN(len(statuses))]
	g.amount = int64(100+s.r.IntN(900)) * 100
	return g
}

// grantsOf draws the grants of household i as the grants stream does.
func (d *dataset) grantsOf(i int) (shape, []grantDraw) {
	s := d.shape(i)
	out := make([]grantDraw, s.grants)
	for k := range out {
		out[k] = d.grant(&s, i)
	}
	return s, out
}

// tally is household i's tally (models.HouseholdTally) and its programs'
// (models.HouseholdProgram) rows, as the store keeps them: counted here while generating,
// so that the COPY writes them right. The villages' tallies are added up from them after
// the COPY.
func (d *dataset) tally(i int) (models.HouseholdTally, [][]any) {
	s, grants := d.grantsOf(i)
	t := models.HouseholdTally{MemberCount: s.members}
	type key struct{ program, category string }
	rows := map[key]*models.HouseholdProgram{}
	for _, g := range grants {
		if !slices.Contains(policy.Receiving, g.status) {
			continue
		}
		t.Served = true
		k := key{g.program.Code, g.program.CategoryCode}
		r := rows[k]
		if r == nil {
			r = &models.HouseholdProgram{ProgramCode: k.program, CategoryCode: k.category}
			rows[k] = r
		}
		if g.status == models.GrantGrace {
			t.InGrace, r.InGrace = true, true
		}
		if d.recurring[g.program.Code] {
			t.CommittedMonthly += models.Money(g.amount)
			r.CommittedMonthly += models.Money(g.amount)
		}
	}
	list := make([]*models.HouseholdProgram, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
	}
	// Of one category, the first program by code counts the household; a program has
	// one category here, so each row counts it for its program.
	slices.SortFunc(list, func(a, b *models.HouseholdProgram) int {
		return cmp.Or(cmp.Compare(a.CategoryCode, b.CategoryCode), cmp.Compare(a.ProgramCode, b.ProgramCode))
	})
	out := make([][]any, len(list))
	for j, r := range list {
		first := j == 0 || list[j-1].CategoryCode != r.CategoryCode
		out[j] = []any{d.id(0, i, 0), r.ProgramCode, r.CategoryCode, s.village.Code, true, first,
			int64(s.members), r.InGrace, int64(r.CommittedMonthly)}
	}
	return t, out
}

// householdPrograms streams the programs of households [0, n).
func (d *dataset) householdPrograms(n int) pgx.CopyFromSource {
	i := 0
	var pending [][]any
	return pgx.CopyFromFunc(func() ([]any, error) {
		for len(pending) == 0 {
			if i >= n {
				return nil, nil
			}
			_, pending = d.tally(i)
			i++
		}
		row := pending[0]
		pending = pending[1:]
		return row, nil
	})
}
