// cdecl.go: a small reader for the declarations of tinygen's own kernel
// headers: #define NAME number, typedef struct { ... } NAME; and void
// kernel prototypes. It reads the format the headers are written in (one
// declaration per statement, no unions, no function pointers, no nested
// struct definitions), not arbitrary C; anything else is an error naming
// the header and the declaration.

package blob

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// FieldKind is how a parameter field travels in a blob record.
type FieldKind int

// Field kinds; the values are the C runtime's TG_RT_F_* codes.
const (
	B1  FieldKind = 1 // int8_t, uint8_t
	B2  FieldKind = 2 // int16_t, uint16_t
	B4  FieldKind = 4 // int32_t, uint32_t, float
	Ptr FieldKind = 8 // a pointer to constant data: a uint32 offset into the step's constant block
)

// Leaf is one scalar, inline array or pointer member of a parameter struct,
// with its path from the struct (win.batches).
type Leaf struct {
	Path  string
	Kind  FieldKind
	Count int    // elements (1 for scalars and pointers)
	Elem  string // C element type (the pointee's for pointers)
}

// Bytes returns the leaf's size in a blob record.
func (l Leaf) Bytes() int {
	if l.Kind == Ptr {
		return 4
	}
	return int(l.Kind) * l.Count
}

// Param is one parameter of a kernel prototype.
type Param struct {
	Name string
	// Elem is the pointee type without qualifiers ("int8_t", "void", or
	// the params struct for the first parameter).
	Elem string
	// Const is set for pointers to const; List for const void *const *.
	Const, List bool
}

// Decls are the declarations read from a set of headers.
type Decls struct {
	Defines map[string]int
	Structs map[string][]member
	Protos  map[string][]Param
}

// member is one declarator of a struct: type, name, array length (0 for
// none), pointer.
type member struct {
	Type  string
	Name  string
	Len   int
	Ptr   bool
	Const bool
}

// cres are the reader's regular expressions, compiled on first use.
type cres struct {
	comment, define, typedef, proto, ident, declName *regexp.Regexp
}

var cre = sync.OnceValue(func() *cres {
	return &cres{
		comment:  regexp.MustCompile(`(?s)/\*.*?\*/|//[^\n]*`),
		define:   regexp.MustCompile(`(?m)^\s*#\s*define\s+([A-Za-z_]\w*)\s+(\d+)\s*$`),
		typedef:  regexp.MustCompile(`(?s)typedef\s+struct\s*\{(.*?)\}\s*([A-Za-z_]\w*)\s*;`),
		proto:    regexp.MustCompile(`(?s)void\s+([A-Za-z_]\w*)\s*\(([^()]*)\)\s*;`),
		ident:    regexp.MustCompile(`^[A-Za-z_]\w*$`),
		declName: regexp.MustCompile(`^(\*?)\s*([A-Za-z_]\w*)\s*(?:\[\s*([A-Za-z_0-9]+)\s*\])?$`),
	}
})

// ParseHeaders reads the declarations of headers (name → text).
func ParseHeaders(names []string, texts map[string][]byte) (*Decls, error) {
	d := &Decls{Defines: map[string]int{}, Structs: map[string][]member{}, Protos: map[string][]Param{}}
	for _, name := range names {
		src := cre().comment.ReplaceAllString(string(texts[name]), " ")
		for _, m := range cre().define.FindAllStringSubmatch(src, -1) {
			v, err := strconv.Atoi(m[2])
			if err == nil {
				d.Defines[m[1]] = v
			}
		}
		for _, m := range cre().typedef.FindAllStringSubmatch(src, -1) {
			members, err := d.parseMembers(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s: typedef %s: %w", name, m[2], err)
			}
			d.Structs[m[2]] = members
		}
		for _, m := range cre().proto.FindAllStringSubmatch(src, -1) {
			params, err := parseParams(m[2])
			if err != nil {
				return nil, fmt.Errorf("%s: prototype of %s: %w", name, m[1], err)
			}
			d.Protos[m[1]] = params
		}
	}
	return d, nil
}

func (d *Decls) parseMembers(body string) ([]member, error) {
	var out []member
	for _, stmt := range strings.Split(body, ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		words := strings.Fields(strings.ReplaceAll(stmt, "*", " * "))
		isConst := false
		if len(words) > 0 && words[0] == "const" {
			isConst = true
			words = words[1:]
		}
		if len(words) < 2 || !cre().ident.MatchString(words[0]) {
			return nil, fmt.Errorf("cannot read member %q", stmt)
		}
		typ := words[0]
		rest := strings.Join(words[1:], " ")
		for _, decl := range strings.Split(rest, ",") {
			m := cre().declName.FindStringSubmatch(strings.TrimSpace(decl))
			if m == nil {
				return nil, fmt.Errorf("cannot read declarator %q in %q", decl, stmt)
			}
			mem := member{Type: typ, Name: m[2], Ptr: m[1] == "*", Const: isConst}
			if m[3] != "" {
				n, err := strconv.Atoi(m[3])
				if err != nil {
					v, ok := d.Defines[m[3]]
					if !ok {
						return nil, fmt.Errorf("unknown array length %s in %q", m[3], stmt)
					}
					n = v
				}
				if n <= 0 || n > 4096 {
					return nil, fmt.Errorf("array length %d in %q", n, stmt)
				}
				mem.Len = n
			}
			if mem.Ptr && mem.Len > 0 {
				return nil, fmt.Errorf("array of pointers in %q", stmt)
			}
			out = append(out, mem)
		}
	}
	return out, nil
}

func parseParams(list string) ([]Param, error) {
	var out []Param
	for _, p := range strings.Split(list, ",") {
		words := strings.Fields(strings.ReplaceAll(p, "*", " * "))
		var par Param
		stars, consts := 0, 0
		var base []string
		for _, w := range words {
			switch w {
			case "*":
				stars++
			case "const":
				consts++
			default:
				base = append(base, w)
			}
		}
		if len(base) != 2 || stars == 0 || stars > 2 {
			return nil, fmt.Errorf("cannot read parameter %q (want a pointer)", strings.TrimSpace(p))
		}
		par.Elem, par.Name = base[0], base[1]
		par.Const = consts > 0 && strings.HasPrefix(strings.TrimSpace(p), "const")
		if stars == 2 {
			if par.Elem != "void" || consts != 2 {
				return nil, fmt.Errorf("parameter %q: the only pointer-to-pointer is const void *const *", strings.TrimSpace(p))
			}
			par.List = true
		}
		out = append(out, par)
	}
	return out, nil
}

// Leaves flattens a struct type into its leaves, in declaration order.
func (d *Decls) Leaves(typ string) ([]Leaf, error) {
	var out []Leaf
	if err := d.leaves(typ, "", &out, 0); err != nil {
		return nil, fmt.Errorf("params type %s: %w", typ, err)
	}
	return out, nil
}

func (d *Decls) leaves(typ, prefix string, out *[]Leaf, depth int) error {
	members, ok := d.Structs[typ]
	if !ok {
		return fmt.Errorf("no typedef struct %s in the kernel headers", typ)
	}
	if depth > 4 {
		return fmt.Errorf("structs nested too deeply at %s", typ)
	}
	for _, m := range members {
		path := prefix + m.Name
		if m.Ptr {
			if ElemKind(m.Type) == 0 {
				return fmt.Errorf("member %s points to %s, not to numbers", path, m.Type)
			}
			*out = append(*out, Leaf{Path: path, Kind: Ptr, Count: 1, Elem: m.Type})
			continue
		}
		if k := ElemKind(m.Type); k != 0 {
			*out = append(*out, Leaf{Path: path, Kind: k, Count: max(m.Len, 1), Elem: m.Type})
			continue
		}
		if m.Len > 0 {
			return fmt.Errorf("member %s is an array of structs", path)
		}
		if err := d.leaves(m.Type, path+".", out, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// ElemKind returns the field kind of a C scalar type, 0 for other types.
func ElemKind(t string) FieldKind {
	switch t {
	case "int8_t", "uint8_t":
		return B1
	case "int16_t", "uint16_t":
		return B2
	case "int32_t", "uint32_t", "float":
		return B4
	}
	return 0
}
