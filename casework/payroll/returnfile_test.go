package payroll_test

import (
	"strings"
	"testing"

	"jiuzhu/casework/payroll"
	"jiuzhu/models"
)

func TestReadReturnFile(t *testing.T) {
	file := "\ufeffReference,Amount,Status,Reason\n" +
		"371402-202604-0-000001,650.00,成功,\n" +
		"371402-202604-0-000002,650,FAILED,账户冻结\n" +
		"371402-202604-0-000003,6.5e2,成功,\n" +
		"371402-202604-0-000004,650.00,退回,\n"
	got, refused, err := payroll.ReadReturnFile(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []models.Settlement{
		{Row: 2, Reference: "371402-202604-0-000001", Status: models.LinePaid, Amount: 65000},
		{Row: 3, Reference: "371402-202604-0-000002", Status: models.LineFailed, Amount: 65000, Reason: "账户冻结"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("settlements %+v", got)
	}
	if len(refused) != 2 || refused[0].Field != "records[row 4]" || refused[1].Field != "records[row 5]" {
		t.Fatalf("refused %v", refused)
	}
	if _, _, err := payroll.ReadReturnFile(strings.NewReader("参考号,金额\nx,1\n")); err == nil || !strings.Contains(err.Error(), "status") {
		t.Fatalf("a file without a status column: %v", err)
	}
}

func TestPayrollOfReference(t *testing.T) {
	county, month, run, err := payroll.PayrollOfReference("r", "371402-202604-2-000017")
	if err != nil || county != "371402000000" || month != "2026-04" || run != 2 {
		t.Fatalf("= %s %s %d %v", county, month, run, err)
	}
	for _, bad := range []string{"", "371402-202604-0", "37140-202604-0-000001", "371402-2026-0-000001", "371402-202604-x-000001"} {
		if _, _, _, err := payroll.PayrollOfReference("r", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
