package httpapi

// SetXLSXSheetRows makes the XLSX list hold n rows a sheet, its header included, so that
// a test sees a list go on over several sheets without a million lines; the returned
// function restores the limit.
func SetXLSXSheetRows(n int) (restore func()) {
	old := xlsxSheetRows
	xlsxSheetRows = n
	return func() { xlsxSheetRows = old }
}
