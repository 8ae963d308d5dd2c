package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// personalFields are the fields of records that hold personal data; no error message
// may be made from them.
var personalFields = map[string]bool{"IDNumber": true, "Address": true, "Phone": true}

// messageMakers are the functions whose format and arguments become a message: true for
// the domain errors, whose messages reach callers and import reports, false for Errorf,
// whose messages reach logs (through the log filter) or an operator's console.
var messageMakers = map[string]bool{"Invalid": true, "Conflict": true, "Forbidden": true, "NotFound": true, "Errorf": false}

// TestMessagesAreMadeWithoutPersonalData reads the source of the packages that make
// error messages and import reports, and refuses a domain error's message or an import
// fault's reason made with %q (which repeats a caller's value whatever it holds;
// privacy.Quote decides what may be shown), and any message made from an ID number,
// address or phone field. TestNoPersonalDataInMessages (httpapi) checks the messages themselves; this test
// keeps a new one from being written the old way.
func TestMessagesAreMadeWithoutPersonalData(t *testing.T) {
	var files []string
	for _, dir := range []string{".", "../models", "../importer", "../idnumber", "../policy", "../resolvers", "../httpapi"} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") && !strings.HasSuffix(f, "generated.go") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 40 {
		t.Fatalf("found only %d source files", len(files))
	}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var args []ast.Expr
			toCaller := true
			switch x := n.(type) {
			case *ast.CallExpr:
				sel, ok := x.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if toCaller, ok = messageMakers[sel.Sel.Name]; !ok {
					return true
				}
				args = x.Args
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); !ok || k.Name != "Reason" {
					return true
				}
				args = []ast.Expr{x.Value}
			default:
				return true
			}
			for _, a := range args {
				ast.Inspect(a, func(m ast.Node) bool {
					switch y := m.(type) {
					case *ast.BasicLit:
						if toCaller && y.Kind == token.STRING && strings.Contains(y.Value, "%q") {
							t.Errorf("%s: a message repeats a value with %%q; use privacy.Quote", fset.Position(y.Pos()))
						}
					case *ast.SelectorExpr:
						if personalFields[y.Sel.Name] {
							t.Errorf("%s: a message is made from the personal field %s", fset.Position(y.Pos()), y.Sel.Name)
						}
					case *ast.CallExpr:
						// What privacy masks or quotes may be in a message.
						if s, ok := y.Fun.(*ast.SelectorExpr); ok {
							if p, ok := s.X.(*ast.Ident); ok && p.Name == "privacy" {
								return false
							}
						}
					}
					return true
				})
			}
			return true
		})
	}
}
