// Tests of the enum map rewrite.
package main

import (
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"single import", `package schema

import "strconv"

type Padding int8

var EnumNamesPadding = map[Padding]string{
	0: "SAME",
}

func (v Padding) String() string {
	if s, ok := EnumNamesPadding[v]; ok {
		return s
	}
	return strconv.Itoa(int(v))
}
`, `package schema

import (
	"strconv"
	"sync"
)

type Padding int8

var enumNamesPadding struct {
	once sync.Once
	m    map[Padding]string
}

// EnumNamesPadding returns the map, built on its first use.
func EnumNamesPadding() map[Padding]string {
	enumNamesPadding.once.Do(func() {
		enumNamesPadding.m = map[Padding]string{
			0: "SAME",
		}
	})
	return enumNamesPadding.m
}

func (v Padding) String() string {
	if s, ok := EnumNamesPadding()[v]; ok {
		return s
	}
	return strconv.Itoa(int(v))
}
`},
		{"import list", `package schema

import (
	"strconv"

	flatbuffers "github.com/google/flatbuffers/go"
)

var EnumValuesX = map[string]X{
	"A": 1,
}
`, `package schema

import (
	"strconv"
	"sync"

	flatbuffers "github.com/google/flatbuffers/go"
)

var enumValuesX struct {
	once sync.Once
	m    map[string]X
}

// EnumValuesX returns the map, built on its first use.
func EnumValuesX() map[string]X {
	enumValuesX.once.Do(func() {
		enumValuesX.m = map[string]X{
			"A": 1,
		}
	})
	return enumValuesX.m
}
`},
		{"no maps", "package schema\n\ntype T struct{}\n", "package schema\n\ntype T struct{}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Rewrite([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	for _, bad := range []struct{ in, want string }{
		{"package p\n\nimport \"strconv\"\n\nvar EnumNamesX = map[X]string{\n\t0: \"A\",\n", "does not end"},
		{"package p\n\nvar EnumNamesX = map[X]string{\n}\n", "no import"},
	} {
		if _, err := Rewrite([]byte(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.in, err, bad.want)
		}
	}
}
