package matrix

import "github.com/crossplane/function-sdk-go/resource"

// Composition resource names of the deletion-protection Usages.
const (
	ResourceProtectClaim resource.Name = "protect-claim"
	ResourceProtectData  resource.Name = "protect-data"
)
