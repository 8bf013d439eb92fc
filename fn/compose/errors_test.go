package compose

import (
	"errors"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestFieldErrors(t *testing.T) {
	p := field.NewPath("spec", "parameters")
	cases := map[string]struct {
		errs       field.ErrorList
		wantPath   string
		wantReason string
	}{
		"None": {},
		"One": {
			errs:       field.ErrorList{field.Invalid(p.Child("storage"), "0", "must be more than zero")},
			wantPath:   "spec.parameters.storage",
			wantReason: `Invalid value: "0": must be more than zero`,
		},
		"Five": {
			errs: field.ErrorList{
				field.Required(p.Child("a"), "set it"),
				field.Required(p.Child("b"), "set it"),
				field.Required(p.Child("c"), "set it"),
				field.Required(p.Child("d"), "set it"),
				field.Required(p.Child("e"), "set it"),
			},
			wantPath: "spec.parameters.a",
			wantReason: "Required value: set it; also spec.parameters.b: Required value: set it; " +
				"spec.parameters.c: Required value: set it; spec.parameters.d: Required value: set it; and 1 more",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := FieldErrors(tc.errs)
			if tc.errs == nil {
				if err != nil {
					t.Fatalf("FieldErrors(none): want nil, got %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(fmt.Errorf("wrapped: %w", err), &fe) {
				t.Fatalf("FieldErrors(...): want a FieldError, got %T", err)
			}
			if fe.Path != tc.wantPath || fe.Reason != tc.wantReason {
				t.Errorf("FieldErrors(...): want %s: %s\ngot %s: %s", tc.wantPath, tc.wantReason, fe.Path, fe.Reason)
			}
		})
	}
}
