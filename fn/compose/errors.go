package compose

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// A FieldError says which field of the composite is invalid and why. The
// server reports it as a Fatal result naming the field.
type FieldError struct {
	// Path is the field path, e.g. spec.parameters.version.
	Path string
	// Reason says what is wrong, in words a claim author can act on.
	Reason string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Reason }

// InvalidField returns a FieldError for path.
func InvalidField(path, format string, a ...any) error {
	return &FieldError{Path: path, Reason: fmt.Sprintf(format, a...)}
}

// IsFieldError reports whether err is or wraps a FieldError.
func IsFieldError(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe)
}

// maxMoreErrors bounds the errors FieldErrors lists after the first, so a
// long list (e.g. twenty bad hosts) still makes a readable result.
const maxMoreErrors = 3

// FieldErrors turns an API type's validation errors into one FieldError:
// the first invalid field's path and reason, followed by the other errors,
// so that the Fatal result names every field to fix. Nil when errs is empty.
func FieldErrors(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	reason := errs[0].ErrorBody()
	if len(errs) > 1 {
		more := make([]string, 0, maxMoreErrors+1)
		for _, e := range errs[1:min(len(errs), maxMoreErrors+1)] {
			more = append(more, e.Error())
		}
		if n := len(errs) - 1 - maxMoreErrors; n > 0 {
			more = append(more, fmt.Sprintf("and %d more", n))
		}
		reason += "; also " + strings.Join(more, "; ")
	}
	return &FieldError{Path: errs[0].Field, Reason: reason}
}
