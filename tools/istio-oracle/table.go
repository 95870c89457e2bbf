package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
)

// tableCase is one entry of Istio's analyzer test table (testGrid in analyzers_test.go).
type tableCase struct {
	Name         string     `json:"name"`
	InputFiles   []string   `json:"inputFiles"`
	MeshConfig   string     `json:"meshConfig,omitempty"`
	MeshNetworks string     `json:"meshNetworks,omitempty"`
	Analyzer     string     `json:"analyzer"`
	SkipAll      bool       `json:"skipAll"`
	Expected     []expected `json:"expected"`
}

type expected struct {
	Code        string `json:"code"`
	MessageType string `json:"messageType"`
	Origin      string `json:"origin"`
}

// printTable reads the table from the Go source itself, so it is exactly the one Istio tests with.
// Paths come out absolute. Anything the reader does not understand is an error, never skipped.
func printTable(dir string) error {
	codes, err := messageCodes(filepath.Join(dir, "msg", "messages.gen.go"))
	if err != nil {
		return err
	}
	testFile := filepath.Join(dir, "analyzers", "analyzers_test.go")
	src, err := os.ReadFile(testFile)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, testFile, src, 0)
	if err != nil {
		return err
	}
	grid := findVar(f, "testGrid")
	if grid == nil {
		return fmt.Errorf("%s: no testGrid", testFile)
	}
	base := filepath.Join(dir, "analyzers")
	var cases []tableCase
	for _, elt := range grid.Elts {
		lit, ok := elt.(*ast.CompositeLit)
		if !ok {
			return fmt.Errorf("%s: a testGrid entry is not a literal", fset.Position(elt.Pos()))
		}
		c, err := readCase(lit, src, fset, base, codes)
		if err != nil {
			return err
		}
		cases = append(cases, c)
	}
	return writeJSON(cases)
}

func readCase(lit *ast.CompositeLit, src []byte, fset *token.FileSet, base string, codes map[string]string) (tableCase, error) {
	c := tableCase{Expected: []expected{}}
	bad := func(n ast.Node, what string) (tableCase, error) {
		return c, fmt.Errorf("%s: cannot read %s", fset.Position(n.Pos()), what)
	}
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return bad(elt, "a field without a key")
		}
		key := kv.Key.(*ast.Ident).Name
		switch key {
		case "name":
			s, ok := stringLit(kv.Value)
			if !ok {
				return bad(kv.Value, key)
			}
			c.Name = s
		case "inputFiles":
			list, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				return bad(kv.Value, key)
			}
			for _, e := range list.Elts {
				s, ok := stringLit(e)
				if !ok {
					return bad(e, key)
				}
				c.InputFiles = append(c.InputFiles, filepath.Join(base, s))
			}
		case "meshConfigFile", "meshNetworksFile":
			s, ok := stringLit(kv.Value)
			if !ok {
				return bad(kv.Value, key)
			}
			if key == "meshConfigFile" {
				c.MeshConfig = filepath.Join(base, s)
			} else {
				c.MeshNetworks = filepath.Join(base, s)
			}
		case "analyzer":
			c.Analyzer = string(src[fset.Position(kv.Value.Pos()).Offset:fset.Position(kv.Value.End()).Offset])
		case "skipAll":
			id, ok := kv.Value.(*ast.Ident)
			if !ok {
				return bad(kv.Value, key)
			}
			c.SkipAll = id.Name == "true"
		case "expected":
			list, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				return bad(kv.Value, key)
			}
			for _, e := range list.Elts {
				m, ok := e.(*ast.CompositeLit)
				if !ok || len(m.Elts) != 2 {
					return bad(e, "an expected message")
				}
				sel, ok := m.Elts[0].(*ast.SelectorExpr)
				origin, ok2 := stringLit(m.Elts[1])
				if !ok || !ok2 {
					return bad(e, "an expected message")
				}
				code, known := codes[sel.Sel.Name]
				if !known {
					return bad(e, "message type "+sel.Sel.Name)
				}
				c.Expected = append(c.Expected, expected{Code: code, MessageType: sel.Sel.Name, Origin: origin})
			}
		default:
			return bad(kv, "field "+key)
		}
	}
	return c, nil
}

// messageCodes maps each message type variable of Istio's msg package to its code
// (ConflictingGateways = diag.NewMessageType(diag.Error, "IST0145", ...)).
func messageCodes(file string) (map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
	}
	codes := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 {
			return true
		}
		call, ok := spec.Values[0].(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		if code, ok := stringLit(call.Args[1]); ok {
			codes[spec.Names[0].Name] = code
		}
		return true
	})
	if len(codes) == 0 {
		return nil, fmt.Errorf("%s: no message types", file)
	}
	return codes, nil
}

func findVar(f *ast.File, name string) *ast.CompositeLit {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if len(v.Names) == 1 && v.Names[0].Name == name && len(v.Values) == 1 {
				lit, _ := v.Values[0].(*ast.CompositeLit)
				return lit
			}
		}
	}
	return nil
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}
