package httpapi

import "time"

// SetXLSXSheetRows makes the XLSX list hold n rows a sheet, its header included, so that
// a test sees a list go on over several sheets without a million lines; the returned
// function restores the limit.
func SetXLSXSheetRows(n int) (restore func()) {
	old := xlsxSheetRows
	xlsxSheetRows = n
	return func() { xlsxSheetRows = old }
}

// SlowExports makes the payroll export wait delay a line and move its write deadline
// window on, so that a test sees an export outlast the server's WriteTimeout; the
// returned function restores both.
func SlowExports(delay, window time.Duration) (restore func()) {
	oldDelay, oldWindow := exportLineDelay, exportWindow
	exportLineDelay, exportWindow = delay, window
	return func() { exportLineDelay, exportWindow = oldDelay, oldWindow }
}
