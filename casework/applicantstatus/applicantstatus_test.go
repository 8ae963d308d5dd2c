package applicantstatus_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"jiuzhu/casework/applicantstatus"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fakeStore holds applications in memory and records the audited lookups.
type fakeStore struct {
	apps    map[string]*store.ApplicantRecord
	audited []string
	// shown are the records each audited lookup named, in the order of audited.
	shown                     [][]string
	stepReads, grievanceReads int
	// grievances are the grievances of each application, by grant id.
	grievances map[string][]store.ApplicantGrievance
	// auditErr, when set, is the error of every audit.
	auditErr error
}

func (f *fakeStore) ApplicantRecordUnscoped(_ context.Context, ref string) (*store.ApplicantRecord, error) {
	if r, ok := f.apps[ref]; ok {
		return r, nil
	}
	return nil, models.NotFound("application")
}

func (f *fakeStore) ApplicantStepsUnscoped(_ context.Context, id string) ([]store.ApplicantStep, error) {
	f.stepReads++
	for _, r := range f.apps {
		if r.GrantID == id {
			return r.Steps, nil
		}
	}
	return nil, nil
}

func (f *fakeStore) ApplicantGrievancesUnscoped(_ context.Context, id string) ([]store.ApplicantGrievance, error) {
	f.grievanceReads++
	return f.grievances[id], nil
}

func (f *fakeStore) RecordStatusLookupUnscoped(_ context.Context, ref, addr, area string, o store.StatusLookupOutcome, shown []string) error {
	if f.auditErr != nil {
		return f.auditErr
	}
	f.audited = append(f.audited, ref+" "+addr+" "+area+" "+string(o))
	f.shown = append(f.shown, shown)
	return nil
}

const (
	ref     = "JZ-371402-2026-000007"
	village = "371402001001"
)

func day(d int) time.Time { return time.Date(2026, 3, d, 2, 0, 0, 0, time.UTC) }

func newFake() *fakeStore {
	return &fakeStore{apps: map[string]*store.ApplicantRecord{ref: {
		GrantID: "g1", AreaCode: village, Reference: ref, Status: models.GrantReviewed, IDTail: "01001X",
		Steps: []store.ApplicantStep{
			{Status: models.GrantPending, At: day(1), OfficeAt: village},
			{Status: models.GrantReviewed, At: day(3), OfficeAt: "371402001000"},
		},
	}}, grievances: map[string][]store.ApplicantGrievance{"g1": {
		{ID: "v1", Category: models.GrievanceDelay, Status: models.GrievanceAnswered, OpenedAt: day(4), DueAt: day(11), AnsweredAt: ptr(day(6))},
	}}}
}

func ptr[T any](v T) *T { return &v }

// TestLookup checks the answers of the use case: a right pair shows the status, steps,
// current step and office; a wrong tail and an unknown reference answer the same
// NOT_FOUND; malformed input names its field; and every lookup that reaches the store is
// audited with its outcome.
func TestLookup(t *testing.T) {
	tests := []struct {
		name       string
		req        applicantstatus.Request
		wantErr    error
		wantField  string
		wantAudit  string
		wantOffice string
	}{
		{"right pair", applicantstatus.Request{Reference: " jz-371402-2026-000007 ", IDTail: "01001x", Address: "a"}, nil, "", ref + " a " + village + " SHOWN", "德城区民政局"},
		{"wrong tail", applicantstatus.Request{Reference: ref, IDTail: "010010", Address: "a"}, models.ErrNotFound, "", ref + " a " + village + " MISMATCH", ""},
		{"unknown reference", applicantstatus.Request{Reference: "JZ-371402-2026-000008", IDTail: "01001X", Address: "a"}, models.ErrNotFound, "", "JZ-371402-2026-000008 a  UNKNOWN", ""},
		{"malformed reference", applicantstatus.Request{Reference: "JZ-1", IDTail: "01001X", Address: "a"}, models.ErrInvalid, "reference", "", ""},
		{"malformed tail", applicantstatus.Request{Reference: ref, IDTail: "1001X", Address: "a"}, models.ErrInvalid, "idTail", "", ""},
		{"X inside the tail", applicantstatus.Request{Reference: ref, IDTail: "0X0010", Address: "a"}, models.ErrInvalid, "idTail", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			u := &applicantstatus.UseCase{Store: f, Tree: division.Dezhou()}
			got, err := u.Lookup(context.Background(), tt.req)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantField != "" {
				var fe *models.FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Errorf("err %v, want one naming %s", err, tt.wantField)
				}
			}
			var audit []string
			if tt.wantAudit != "" {
				audit = []string{tt.wantAudit}
			}
			if !reflect.DeepEqual(f.audited, audit) {
				t.Errorf("audited %q, want %q", f.audited, audit)
			}
			if tt.wantErr != nil {
				// A refused lookup reads no steps: a wrong pair costs what an unknown
				// reference does.
				if got != nil || f.stepReads != 0 || f.grievanceReads != 0 {
					t.Errorf("an error and a status: %+v (%d reads of steps, %d of grievances)", got, f.stepReads, f.grievanceReads)
				}
				return
			}
			want := &applicantstatus.Status{
				Reference: ref, Status: "REVIEWED", StatusText: "乡镇（街道）审核通过",
				CurrentStep: "县级民政部门审批中", Office: tt.wantOffice,
				Steps: []applicantstatus.Step{
					{Status: "PENDING", Text: "已受理", Date: "2026-03-01"},
					{Status: "REVIEWED", Text: "乡镇（街道）审核通过", Date: "2026-03-03", Office: "新湖街道办事处"},
				},
				// The grievance shows its kind, state and days, nothing of what it says.
				Grievances: []applicantstatus.Grievance{{
					Category: "DELAY", CategoryText: "反映办理超时", Status: "ANSWERED", StatusText: "已答复",
					Opened: "2026-03-04", Due: "2026-03-11", Answered: "2026-03-06",
				}},
			}
			// A village's office is the village's committee, named as in the tree.
			v, _ := division.Dezhou().Unit(village)
			want.Steps[0].Office = v.Name
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestLookupNamesTheRecordsShown checks what the audit of a lookup names: a lookup that
// shows an application names it and each of its grievances, in the order shown, and is
// audited before anything is shown (an audit that fails shows nothing); a wrong pair or
// an unknown reference names no record and reads no grievance, so that the trail of a
// failed lookup tells nothing of which grievances exist. The page itself shows no id.
func TestLookupNamesTheRecordsShown(t *testing.T) {
	griefs := []store.ApplicantGrievance{
		{ID: "v1", Category: models.GrievanceDelay, Status: models.GrievanceClosed, OpenedAt: day(4), DueAt: day(11), AnsweredAt: ptr(day(6)), ClosedAt: ptr(day(7))},
		{ID: "v2", Category: models.GrievanceAmount, Status: models.GrievanceAnswered, OpenedAt: day(8), DueAt: day(20), AnsweredAt: ptr(day(9))},
		{ID: "v3", Category: models.GrievanceOther, Status: models.GrievanceOpen, OpenedAt: day(10), DueAt: day(24)},
	}
	failed := errors.New("audit trail unavailable")
	tests := []struct {
		name       string
		grievances []store.ApplicantGrievance
		ref, tail  string
		auditErr   error
		wantErr    error
		wantAudit  string
		wantShown  []string // nil: the lookup named no record
	}{
		{"no grievance", nil, ref, "01001X", nil, nil, "SHOWN", []string{"g1"}},
		{"one grievance", griefs[:1], ref, "01001X", nil, nil, "SHOWN", []string{"g1", "v1"}},
		{"three grievances", griefs, ref, "01001X", nil, nil, "SHOWN", []string{"g1", "v1", "v2", "v3"}},
		{"wrong tail", griefs, ref, "010010", nil, models.ErrNotFound, "MISMATCH", nil},
		{"unknown reference", griefs, "JZ-371402-2026-000008", "01001X", nil, models.ErrNotFound, "UNKNOWN", nil},
		{"the audit fails", griefs, ref, "01001X", failed, failed, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.grievances["g1"], f.auditErr = tt.grievances, tt.auditErr
			u := &applicantstatus.UseCase{Store: f, Tree: division.Dezhou()}
			got, err := u.Lookup(context.Background(), applicantstatus.Request{Reference: tt.ref, IDTail: tt.tail, Address: "a"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantAudit == "" {
				if got != nil || len(f.audited) != 0 {
					t.Errorf("shown %+v, audited %q; want nothing shown when the audit fails", got, f.audited)
				}
				return
			}
			if len(f.audited) != 1 || !strings.HasSuffix(f.audited[0], " "+tt.wantAudit) || !reflect.DeepEqual(f.shown[0], tt.wantShown) {
				t.Fatalf("audited %q naming %q, want one %s naming %q", f.audited, f.shown, tt.wantAudit, tt.wantShown)
			}
			if tt.wantErr != nil {
				if got != nil || f.grievanceReads != 0 {
					t.Errorf("a failed lookup shows %+v, read grievances %d times", got, f.grievanceReads)
				}
				return
			}
			if len(got.Grievances) != len(tt.grievances) {
				t.Errorf("shows %d grievances, want %d", len(got.Grievances), len(tt.grievances))
			}
			page, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tt.wantShown {
				if strings.Contains(string(page), `"`+id+`"`) {
					t.Errorf("the page shows the id %s: %s", id, page)
				}
			}
		})
	}
}

// TestWrongPairAnswersAsUnknown checks that the error of a wrong tail cannot be told from
// the error of an unknown reference.
func TestWrongPairAnswersAsUnknown(t *testing.T) {
	u := &applicantstatus.UseCase{Store: newFake(), Tree: division.Dezhou()}
	_, wrong := u.Lookup(context.Background(), applicantstatus.Request{Reference: ref, IDTail: "999999"})
	_, unknown := u.Lookup(context.Background(), applicantstatus.Request{Reference: "JZ-371402-2026-000099", IDTail: "999999"})
	if wrong == nil || unknown == nil || wrong.Error() != unknown.Error() {
		t.Errorf("wrong pair: %v; unknown reference: %v", wrong, unknown)
	}
}

// TestLimits checks that lookups are limited per address and per reference: a
// reference tried from many addresses is refused past its burst, as is one address
// trying many references, and the refused lookups reach neither the store nor the trail.
func TestLimits(t *testing.T) {
	now := day(10)
	clock := func() time.Time { return now }
	t.Run("per reference", func(t *testing.T) {
		f := newFake()
		u := &applicantstatus.UseCase{Store: f, Tree: division.Dezhou(), Now: clock,
			Addresses:  applicantstatus.NewKeyedLimiter(applicantstatus.DefaultAddressLimit),
			References: applicantstatus.NewKeyedLimiter(applicantstatus.Limit{Per: time.Hour, Burst: 3})}
		for i := range 5 {
			_, err := u.Lookup(context.Background(), applicantstatus.Request{Reference: ref, IDTail: "000000", Address: string(rune('a' + i))})
			if want := i >= 3; errors.Is(err, applicantstatus.ErrRateLimited) != want {
				t.Errorf("lookup %d: %v, limited want %v", i, err, want)
			}
		}
		if len(f.audited) != 3 {
			t.Errorf("%d lookups audited, want 3", len(f.audited))
		}
		now = now.Add(time.Hour)
		if _, err := u.Lookup(context.Background(), applicantstatus.Request{Reference: ref, IDTail: "01001X", Address: "z"}); err != nil {
			t.Errorf("an hour later: %v", err)
		}
	})
	t.Run("per address", func(t *testing.T) {
		f := newFake()
		u := &applicantstatus.UseCase{Store: f, Tree: division.Dezhou(), Now: clock,
			Addresses:  applicantstatus.NewKeyedLimiter(applicantstatus.Limit{Per: time.Hour, Burst: 2}),
			References: applicantstatus.NewKeyedLimiter(applicantstatus.DefaultReferenceLimit)}
		var limited int
		for i := range 4 {
			r := "JZ-371402-2026-00000" + string(rune('1'+i))
			if _, err := u.Lookup(context.Background(), applicantstatus.Request{Reference: r, IDTail: "000000", Address: "one"}); errors.Is(err, applicantstatus.ErrRateLimited) {
				limited++
			}
		}
		if limited != 2 || len(f.audited) != 2 {
			t.Errorf("%d limited and %d audited, want 2 and 2", limited, len(f.audited))
		}
	})
}
