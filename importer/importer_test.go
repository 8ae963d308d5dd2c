package importer_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jiuzhu/idnumber"
	"jiuzhu/importer"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

var villages = []string{"371402001001", "371402002012", "371403001003"}

// idNumber returns the k-th distinct valid ID number of the generated files.
func idNumber(k int) string {
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k/1000)
	return idnumber.Build("371402", birth, k%1000)
}

// writeHouseholdsCSV writes n households of three members each, references and people
// numbered from first, as a Chinese-headed CSV.
func writeHouseholdsCSV(w io.Writer, first, n int) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	_ = cw.Write([]string{"户编号", "村居代码", "家庭住址", "建档立卡", "姓名", "身份证号", "与户主关系", "残疾等级", "劳动能力", "月收入"})
	rels := []string{"户主", "配偶", "子女"}
	for h := first; h < first+n; h++ {
		for m := range 3 {
			_ = cw.Write([]string{fmt.Sprintf("BENCH-%07d", h), villages[h%len(villages)], fmt.Sprintf("德州路%d号", h), "否",
				fmt.Sprintf("居民%d", m), idNumber(h*3 + m), rels[m], "", "", "600.00"})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func opener(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

func readReport(t *testing.T, b *bytes.Buffer) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "line,externalRef,field,reason" {
		t.Fatalf("report header: %v", rows)
	}
	return rows[1:]
}

func TestImportFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := t.TempDir()
		csvPath := filepath.Join(dir, "h.csv")
		csvText := "\ufeffexternal_ref,village,address,poverty registered,name,idNumber,relation,disabilityLevel,labourCapacity,monthlyIncome,ignored\n" +
			"F-1,371402001001,新湖路1号,true,赵一,37140320000229456X,HEAD,,FULL,800.00,x\n" +
			"F-1,371402001001,新湖路1号,true,赵二,371402199001010017,CHILD,2,PARTIAL,0,x\n" +
			"F-2,371402001001,新湖路2号,false,钱一,371481198512311234,HEAD,,,abc,x\n" +
			"F-3,371403001003,陵城路3号,false,孙一," + idNumber(900001) + ",HEAD,,,,x\n" +
			"F-4,371402001001,新湖路4号,false,李一," + idNumber(900002) + ",HEAD,,,,x\n" +
			"F-4,371402001001,新湖路4号,false,李二,371402199001010018,CHILD,,,,x\n"
		if err := os.WriteFile(csvPath, []byte(csvText), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := storetest.As(models.RoleIntegrator, "371402000000")
		k := importer.Households(st)

		// All-or-nothing: rejected rows, nothing written.
		var rep bytes.Buffer
		sum, err := importer.Run(ctx, k, opener(csvPath), importer.Options{Format: importer.CSV, Rejects: &rep})
		if err != nil || sum.Written || sum.Rejected != 3 || sum.Created != 1 {
			t.Fatalf("default run: %+v %v", sum, err)
		}
		want := [][]string{{"4", "F-2", "monthlyIncome"}, {"5", "F-3", "village"}, {"7", "F-4", "idNumber"}}
		rows := readReport(t, &rep)
		if len(rows) != len(want) {
			t.Fatalf("report %v", rows)
		}
		for i, w := range want {
			if rows[i][0] != w[0] || rows[i][1] != w[1] || rows[i][2] != w[2] || rows[i][3] == "" {
				t.Errorf("report row %v, want %v", rows[i], w)
			}
		}
		if page, _ := useCases(st).Households(ctx, store.HouseholdQuery{}); len(page.Items) != 0 {
			t.Fatalf("a rejected file wrote %d households", len(page.Items))
		}
		// Partial: the good one is written; twice is idempotent.
		for round, wantCreated := range []int{1, 0} {
			sum, err = importer.Run(ctx, k, opener(csvPath), importer.Options{Format: importer.CSV, Partial: true})
			if err != nil || !sum.Written || sum.Created != wantCreated || sum.Unchanged != 1-wantCreated || sum.Rejected != 3 {
				t.Fatalf("partial run %d: %+v %v", round, sum, err)
			}
		}
		m, err := useCases(st).MemberByIDNumber(ctx, "371402199001010017")
		if err != nil || m.DisabilityLevel == nil || *m.DisabilityLevel != 2 || m.LabourCapacity != models.LabourPartial {
			t.Errorf("imported member %+v %v", m, err)
		}

		// JSON lines, the same household updated, a bad line reported with its path.
		jsonPath := filepath.Join(dir, "h.jsonl")
		jsonText := `{"externalRef":"F-1","village":"371402001001","address":"新湖路1号","povertyRegistered":true,"members":[{"name":"赵一","idNumber":"37140320000229456X","relation":"户主","labourCapacity":"FULL","monthlyIncome":"900.00"},{"name":"赵二","idNumber":"371402199001010017","relation":"CHILD","disabilityLevel":2,"labourCapacity":"PARTIAL","monthlyIncome":0}]}
{"externalRef":"J-2","village":"371402001001","address":"x","members":[{"name":"周一","idNumber":"` + idNumber(900003) + `","relation":"HEAD","monthlyIncome":"1.234"}]}

{"externalRef":"J-3","village":"371402001001","address":"x","members":[],"unknown":1}
{"externalRef":"J-4","village":"371402001001","address":"周家","members":[{"name":"周四","idNumber":"` + idNumber(900004) + `","relation":"SON"}]}
`
		if err := os.WriteFile(jsonPath, []byte(jsonText), 0o600); err != nil {
			t.Fatal(err)
		}
		rep.Reset()
		sum, err = importer.Run(ctx, k, opener(jsonPath), importer.Options{Format: importer.JSONL, Partial: true, Rejects: &rep})
		if err != nil || sum.Updated != 1 || sum.Rejected != 3 || sum.Records != 4 {
			t.Fatalf("JSON lines: %+v %v", sum, err)
		}
		rows = readReport(t, &rep)
		want = [][]string{{"2", "J-2", "members[0].monthlyIncome"}, {"4", "J-3", ""}, {"5", "J-4", "members[0].relation"}}
		for i, w := range want {
			if i >= len(rows) || rows[i][0] != w[0] || rows[i][1] != w[1] || rows[i][2] != w[2] {
				t.Errorf("report row %d: %v, want %v", i, rows, w)
			}
		}
	})
}

func TestImportCommandRefusals(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	path := filepath.Join(t.TempDir(), "h.csv")
	if err := os.WriteFile(path, []byte("姓名,身份证号\n张三,371402199001010017\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := importer.Run(storetest.As(models.RoleAdmin, "371400000000"), importer.Households(st), opener(path), importer.Options{})
	if err == nil || !strings.Contains(err.Error(), "externalRef") {
		t.Errorf("missing columns: %v", err)
	}
	if err := writeHouseholdsCSV(must(os.Create(path)), 0, 2); err != nil {
		t.Fatal(err)
	}
	_, err = importer.Run(storetest.As(models.RoleAssistant, "371402001001"), importer.Households(st), opener(path), importer.Options{Partial: true})
	if !strings.Contains(fmt.Sprint(err), "may not") {
		t.Errorf("an assistant imported a file: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestLargeFileImportsWithFlatMemory imports a file of 100,002 rows (33,334 households)
// while sampling the heap: its growth must stay far below the file's size in memory.
func TestLargeFileImportsWithFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const households = 33334
		path := filepath.Join(t.TempDir(), "big.csv")
		f := must(os.Create(path))
		if err := writeHouseholdsCSV(f, 0, households); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		sum, err := importer.Run(storetest.As(models.RoleAdmin, "371400000000"), importer.Households(st), opener(path),
			importer.Options{Format: importer.CSV, Partial: true})
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if sum.Created != households || sum.Rejected != 0 {
			t.Fatalf("summary %+v", sum)
		}
		growth := int64(peak.Load()) - int64(base.HeapAlloc)
		fi, _ := os.Stat(path)
		t.Logf("%d rows (%d MB file) in %s: heap peak %d MB above the %d MB before",
			households*3, fi.Size()>>20, sum.Duration.Round(time.Millisecond), growth>>20, base.HeapAlloc>>20)
		if growth > 100<<20 {
			t.Errorf("heap grew by %d MB importing the file", growth>>20)
		}
	})
}

// BenchmarkImportHouseholds imports files of 10,000 households (30,000 member rows) per
// iteration through importer.Run, on PostgreSQL when TEST_DATABASE_URL is set and on
// SQLite otherwise, and reports households per second. Each iteration's households are
// new, so every one is created.
func BenchmarkImportHouseholds(b *testing.B) {
	d := store.SQLite
	if os.Getenv(storetest.EnvURL) != "" {
		d = store.Postgres
	}
	st := storetest.MustOpen(b, d)
	const n = 10000
	ctx := storetest.As(models.RoleIntegrator, "371400000000")
	for _, mode := range []struct {
		name string
		opt  importer.Options
	}{
		{"partial", importer.Options{Format: importer.CSV, Partial: true}},
		{"all-or-nothing", importer.Options{Format: importer.CSV}},
	} {
		b.Run(string(d)+"/"+mode.name, func(b *testing.B) {
			dir := b.TempDir()
			var total int
			var elapsed, selfCPU, dbCPU time.Duration
			clock := newCPUClock()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				path := filepath.Join(dir, fmt.Sprintf("b%d.csv", i))
				f := must(os.Create(path))
				offset := (i + 1) * n
				if mode.name != "partial" {
					offset += 5_000_000
				}
				if err := writeHouseholdsCSV(f, offset, n); err != nil {
					b.Fatal(err)
				}
				_ = f.Close()
				self0, db0 := clock.read()
				b.StartTimer()
				start := time.Now()
				sum, err := importer.Run(ctx, importer.Households(st), opener(path), mode.opt)
				elapsed += time.Since(start)
				b.StopTimer()
				self1, db1 := clock.read()
				selfCPU, dbCPU = selfCPU+self1-self0, dbCPU+db1-db0
				b.StartTimer()
				if err != nil || sum.Created != n {
					b.Fatalf("%+v %v", sum, err)
				}
				total += n
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "households/s")
			// CPU per 1,000 households, in this process and in the database's backends,
			// and the rate those CPU costs allow when neither waits for a core.
			k := float64(total) / 1000
			b.ReportMetric(float64(selfCPU.Milliseconds())/k, "client-cpu-ms/1k")
			b.ReportMetric(float64(dbCPU.Milliseconds())/k, "db-cpu-ms/1k")
			b.ReportMetric(float64(total)/(selfCPU+dbCPU).Seconds(), "cpu-bound-households/s")
		})
	}
}
