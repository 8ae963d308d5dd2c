package store

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// rowScanner reads the rows of one model's table straight into its struct fields. It is
// for the hot list reads (a page's members and grants): gorm's Find allocates a holder
// for every column of every row and copies it into the struct by reflection, which was
// the largest cost of a county list after GraphQL itself. The column list and the field
// addresses come from gorm's parsed schema of the model, so a field added to the model is
// read here too, with no list to keep in step.
type rowScanner[T any] struct {
	// columns is the qualified select list (table.column, ...), in field order.
	columns string
	// index holds, per column, the path of its struct field (embedded structs included).
	index [][]int
}

// scanners caches one rowScanner per model type.
var scanners sync.Map // reflect.Type -> any (*rowScanner[T])

// scannerFor returns the rowScanner of T for table, built once from db's schema cache.
// It returns an error when T cannot be parsed or has a field that only gorm can read (a
// serializer).
func scannerFor[T any](db *gorm.DB, table string) (*rowScanner[T], error) {
	t := reflect.TypeFor[T]()
	if s, ok := scanners.Load(t); ok {
		return s.(*rowScanner[T]), nil
	}
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(new(T)); err != nil {
		return nil, fmt.Errorf("row scanner for %s: %w", t, err)
	}
	sch := stmt.Schema
	s := &rowScanner[T]{}
	cols := make([]string, 0, len(sch.DBNames))
	for _, name := range sch.DBNames {
		f := sch.FieldsByDBName[name]
		if f.Serializer != nil {
			return nil, fmt.Errorf("row scanner for %s: field %s has a serializer", t, f.Name)
		}
		cols = append(cols, table+"."+name)
		s.index = append(s.index, f.StructField.Index)
	}
	s.columns = strings.Join(cols, ", ")
	actual, _ := scanners.LoadOrStore(t, s)
	return actual.(*rowScanner[T]), nil
}

// find runs q with the scanner's select list and returns the rows as new values of T.
// Errors are the database's.
func (s *rowScanner[T]) find(q *gorm.DB) ([]*T, error) {
	rows, err := q.Select(s.columns).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return s.scanAll(rows)
}

// scanAll reads every row of rows.
func (s *rowScanner[T]) scanAll(rows *sql.Rows) ([]*T, error) {
	var out []*T
	dest := make([]any, len(s.index))
	for rows.Next() {
		v := new(T)
		rv := reflect.ValueOf(v).Elem()
		for i, idx := range s.index {
			dest[i] = rv.FieldByIndex(idx).Addr().Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
