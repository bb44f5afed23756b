// Command apicount counts the public API: the exported names in the non-test Go files outside
// internal/ and testdata/, main packages left out. A name is an exported constant, variable, type,
// function, method of an exported type, field of an exported struct or method of an exported
// interface. It prints the total, and with -v each package's count on stderr (sorted).
//
//	go run ./scripts/apicount [-v] [ROOT]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	verbose := flag.Bool("v", false, "print each package's count on stderr")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	const fields = true
	total := 0
	per := map[string]int{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			n := info.Name()
			if n == "internal" || n == "node_modules" || n == "testdata" || strings.HasPrefix(n, ".") && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.SkipObjectResolution)
		if err != nil || f.Name.Name == "main" {
			return nil
		}
		c := 0
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if ix, ok := t.(*ast.IndexExpr); ok {
						t = ix.X
					}
					if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
						continue
					}
				}
				c++
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							c++
							if it, ok := s.Type.(*ast.InterfaceType); ok && fields {
								for _, m := range it.Methods.List {
									for _, n := range m.Names {
										if n.IsExported() {
											c++
										}
									}
								}
							}
							if st, ok := s.Type.(*ast.StructType); ok && fields {
								for _, fl := range st.Fields.List {
									for _, n := range fl.Names {
										if n.IsExported() {
											c++
										}
									}
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								c++
							}
						}
					}
				}
			}
		}
		per[filepath.Dir(p)] += c
		total += c
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *verbose {
		dirs := make([]string, 0, len(per))
		for k, v := range per {
			if v > 0 {
				dirs = append(dirs, k)
			}
		}
		sort.Strings(dirs)
		for _, k := range dirs {
			fmt.Fprintln(os.Stderr, k, per[k])
		}
	}
	fmt.Println(total)
}
