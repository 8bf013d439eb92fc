package matrix

// App is the app.kubernetes.io/name label of everything composed.
const App = "matrix"

// Composition resource names: stable, because Crossplane deletes a composed
// resource whose name disappears.
const (
	ResourceData         = "data"
	ResourceEnv          = "env"
	ResourceRegistration = "registration-token"
	ResourceDeployment   = "deployment"
	ResourceService      = "service"
	ResourceRoute        = "route"
	ResourceDelegation   = "delegation"
)

// Components (app.kubernetes.io/component).
const (
	ComponentHomeserver = "homeserver"
	ComponentData       = "data"
	ComponentConfig     = "config"
	ComponentRoute      = "route"
	ComponentDelegation = "delegation"
)

// Keys.
const (
	// KeyRegistrationToken is the key of the generated registration token
	// Secret, and the connection detail.
	KeyRegistrationToken = "registrationToken"
	KeyHomeserverURL     = "homeserverUrl"
	KeyServerName        = "serverName"
)

// names of the composed objects of one claim.
type names struct{ base string }

func namesFor(claim string) names { return names{base: claim + "-matrix"} }

func (n names) Deployment() string { return n.base }
func (n names) Service() string    { return n.base }
func (n names) ConfigMap() string  { return n.base + "-env" }
func (n names) Secret() string     { return n.base + "-registration" }
func (n names) PVC() string        { return n.base + "-data" }
func (n names) Route() string      { return n.base }
func (n names) Delegation() string { return n.base + "-delegation" }
