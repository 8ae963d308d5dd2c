package store

// AuditOps is for tests: the operations of the audit trail, oldest first.
func AuditOps(st *Store) ([]string, error) {
	var ops []string
	err := st.db.Table("audit_events").Order("created_at").Order("id").Pluck("operation", &ops).Error
	return ops, err
}
