package store

import "context"

// AuditCount is for tests: it counts the audit events of operation op.
func AuditCount(st *Store, op string) int64 {
	var n int64
	st.db.WithContext(systemScope(context.Background())).Table("audit_events").Where("operation = ?", op).Count(&n)
	return n
}

// AreaCodes is for tests: it returns the area codes of table's rows whose column equals v.
func AreaCodes(st *Store, table, column, v string) []string {
	var out []string
	st.db.WithContext(systemScope(context.Background())).Table(table).Where(column+" = ?", v).Pluck("area_code", &out)
	return out
}
