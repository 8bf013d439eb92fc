package compose

import (
	"errors"
	"fmt"
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
