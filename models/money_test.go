package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		ok   bool
	}{
		{"650", 65000, true},
		{"650.5", 65050, true},
		{"650.50", 65050, true},
		{"0.01", 1, true},
		{"-3.05", -305, true},
		{" 12.00 ", 1200, true},
		{"92233720368547758.07", 0, false},
		{"650.555", 0, false},
		{"650.", 0, false},
		{".5", 0, false},
		{"1e3", 0, false},
		{"1,000.00", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"--1", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if tt.ok != (err == nil) || (tt.ok && got != tt.want) {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseMoney(%q): %v does not match ErrInvalid", tt.in, err)
		}
	}
}

func TestMoneyString(t *testing.T) {
	tests := map[Money]string{0: "0.00", 1: "0.01", 65000: "650.00", -305: "-3.05", 123456789: "1234567.89"}
	for m, want := range tests {
		if got := m.String(); got != want {
			t.Errorf("Money(%d) = %q, want %q", int64(m), got, want)
		}
		var buf bytes.Buffer
		m.MarshalGQL(&buf)
		if buf.String() != `"`+want+`"` {
			t.Errorf("MarshalGQL(%d) = %s", int64(m), buf.String())
		}
		back, err := ParseMoney(want)
		if err != nil || back != m {
			t.Errorf("round trip of %s: %d, %v", want, back, err)
		}
	}
}

func TestMoneyUnmarshalGQL(t *testing.T) {
	tests := []struct {
		in   any
		want Money
		ok   bool
	}{
		{"650.50", 65050, true},
		{json.Number("650"), 65000, true},
		{json.Number("650.5"), 0, false},
		{650.5, 0, false},
		{int64(3), 300, true},
		{true, 0, false},
	}
	for _, tt := range tests {
		var m Money
		err := m.UnmarshalGQL(tt.in)
		if tt.ok != (err == nil) || (tt.ok && m != tt.want) {
			t.Errorf("UnmarshalGQL(%#v) = %d, %v", tt.in, m, err)
		}
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2000-02-29")
	if err != nil || d.String() != "2000-02-29" {
		t.Fatalf("ParseDate: %v %v", d, err)
	}
	for _, bad := range []string{"2001-02-29", "2000-2-1", "20000229", ""} {
		if _, err := ParseDate(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDate(%q): %v", bad, err)
		}
	}
	var s Date
	for _, src := range []any{"2000-02-29", []byte("2000-02-29T00:00:00Z"), d.Time} {
		if err := s.Scan(src); err != nil || s != d {
			t.Errorf("Scan(%#v) = %v, %v", src, s, err)
		}
	}
}
