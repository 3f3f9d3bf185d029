package otelstep_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// contractDoc is the telemetry contract of record.
const contractDoc = "../docs/contract.md"

// pending lists names docs/contract.md documents before the package has
// their constants (work merged at the same time). It must be empty after
// the merge: the test fails once a pending name has its constant.
var pending = []string{}

// TestContractDocumented holds docs/contract.md and the package's constants
// to each other: every contract name among the constants is in the document,
// and every contract name of the document is a constant.
func TestContractDocumented(t *testing.T) {
	t.Parallel()
	consts := contractConstants(t, ".")
	doc := contractDocNames(t, contractDoc)
	if len(consts) == 0 || len(doc) == 0 {
		t.Fatalf("found %d contract constants and %d documented names: the parsers are broken", len(consts), len(doc))
	}
	for _, name := range sortedKeys(consts) {
		if !doc[name] {
			t.Errorf("%q (%s) is not in %s", name, consts[name], contractDoc)
		}
	}
	for _, name := range sortedKeys(doc) {
		if _, ok := consts[name]; !ok && !slices.Contains(pending, name) {
			t.Errorf("%s names %q, which is no constant of the package", contractDoc, name)
		}
	}
	for _, name := range pending {
		if where, ok := consts[name]; ok {
			t.Errorf("pending name %q is a constant now (%s): take it out of pending", name, where)
		}
		if !doc[name] {
			t.Errorf("pending name %q is not in %s", name, contractDoc)
		}
	}
}

// isContractName reports whether a constant's value is a name of the
// contract: the otelstep namespace, or a log.* key; a bare prefix
// ("otelstep.") is none.
func isContractName(v string) bool {
	return (strings.HasPrefix(v, "otelstep.") || strings.HasPrefix(v, "log.")) && !strings.HasSuffix(v, ".")
}

// contractConstants returns the string and attribute.Key constants of the
// package in dir (its non-test .go files) whose values are contract names,
// each with the constant and the file that declares it.
func contractConstants(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	type decl struct {
		expr  ast.Expr
		where string
	}
	decls := map[string]decl{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "otelstep" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			gd, ok := n.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				return true
			}
			var last []ast.Expr // a spec without values repeats the previous ones
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				if len(vs.Values) > 0 {
					last = vs.Values
				}
				for i, id := range vs.Names {
					if i < len(last) && id.Name != "_" {
						decls[id.Name] = decl{last[i], id.Name + ", " + name}
					}
				}
			}
			return false
		})
	}
	var eval func(e ast.Expr, depth int) (string, bool)
	eval = func(e ast.Expr, depth int) (string, bool) {
		if depth > len(decls) {
			return "", false
		}
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind != token.STRING {
				return "", false
			}
			v, err := strconv.Unquote(e.Value)
			return v, err == nil
		case *ast.ParenExpr:
			return eval(e.X, depth+1)
		case *ast.Ident:
			d, ok := decls[e.Name]
			if !ok {
				return "", false
			}
			return eval(d.expr, depth+1)
		case *ast.BinaryExpr:
			if e.Op != token.ADD {
				return "", false
			}
			x, ok1 := eval(e.X, depth+1)
			y, ok2 := eval(e.Y, depth+1)
			return x + y, ok1 && ok2
		case *ast.CallExpr: // a conversion: attribute.Key("..."), string(...)
			if len(e.Args) != 1 || !isStringConversion(e.Fun) {
				return "", false
			}
			return eval(e.Args[0], depth+1)
		}
		return "", false
	}
	names := map[string]string{}
	for _, id := range sortedKeys(decls) {
		d := decls[id]
		if v, ok := eval(d.expr, 0); ok && isContractName(v) {
			if prev, ok := names[v]; ok {
				d.where = prev + "; " + d.where
			}
			names[v] = d.where
		}
	}
	return names
}

// isStringConversion reports whether fun is a conversion to a string type
// of the contract: string or attribute.Key.
func isStringConversion(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "string"
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "attribute" && f.Sel.Name == "Key"
	}
	return false
}

var (
	// fencedBlock is a fenced code block of Markdown.
	fencedBlock = regexp.MustCompile("(?ms)^```.*?^```[ \t]*$")
	// codeSpan is an inline code span of Markdown.
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	// docName is a contract name as the document writes it.
	docName = regexp.MustCompile(`^(otelstep|log)(\.[a-z0-9_]+)+$`)
)

// contractDocNames returns the contract names in the code spans of the
// Markdown file at path, outside fenced code blocks.
func contractDocNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := fencedBlock.ReplaceAllString(string(b), "")
	names := map[string]bool{}
	for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
		if docName.MatchString(m[1]) {
			names[m[1]] = true
		}
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
