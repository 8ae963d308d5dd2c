package store

// deactivate is for tests: it switches a program off as an admin would.
func Deactivate(st *Store, code string) error {
	return st.db.Model(&struct{}{}).Table("programs").Where("code = ?", code).Update("active", false).Error
}
