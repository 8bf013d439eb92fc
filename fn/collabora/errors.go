package collabora

import (
	"fmt"
)

// wrap adds context to err, keeping it matchable (a FieldError stays one).
func wrap(err error, msg string) error {
	return fmt.Errorf("%s: %w", msg, err)
}
