package store

// deactivate is for tests: it switches a program off as an admin would.
func Deactivate(st *Store, code string) error {
	return st.db.Model(&struct{}{}).Table("programs").Where("code = ?", code).Update("active", false).Error
}

// ExecUnscoped runs a raw statement, as a database user with the application's rights
// would, for tests of what the database itself refuses.
func ExecUnscoped(st *Store, q string, args ...any) error {
	return st.db.Exec(q, args...).Error
}
