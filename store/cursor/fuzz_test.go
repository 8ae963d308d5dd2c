package cursor_test

import (
	"errors"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store/cursor"
)

// FuzzDecode checks that any string either decodes to a key that encodes back to an
// equivalent cursor, or is refused as bad input naming the argument; never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{cursor.Encode("371402001001", "01a18b24-33c4-7292-89c3-baa7c44dc192"), "", "=", "MzcxNDAy", "not a cursor",
		cursor.Encode("371402001001", ""), cursor.Encode("37140", "x"), cursor.Encode("371402001001", "a:b")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := cursor.Decode("after", s)
		if err != nil {
			var fe *models.FieldError
			if !errors.As(err, &fe) || fe.Field != "after" {
				t.Fatalf("Decode(%q): %v", s, err)
			}
			return
		}
		if len(k.Area) != 12 || k.ID == "" || len(k.ID) > cursor.MaxIDLength {
			t.Fatalf("Decode(%q) = %+v", s, k)
		}
		again, err := cursor.Decode("after", cursor.Encode(k.Area, k.ID))
		if err != nil || again != k {
			t.Fatalf("round trip of %+v: %+v, %v", k, again, err)
		}
	})
}

func TestDecodeRefusesWhatEncodeDoesNotMake(t *testing.T) {
	good := cursor.Encode("371402001001", "id-1")
	if k, err := cursor.Decode("after", good); err != nil || k.Area != "371402001001" || k.ID != "id-1" {
		t.Fatalf("%+v %v", k, err)
	}
	for _, bad := range []string{"", "!!", cursor.Encode("3714", "x"), cursor.Encode("371402001001", ""), "MzcxNDAyMDAxMDAx"} {
		if _, err := cursor.Decode("after", bad); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
