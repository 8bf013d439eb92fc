package collabora

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/apis/office/v1alpha1"
)

func quantity(s string) *apiresource.Quantity { return ptr.To(apiresource.MustParse(s)) }

func TestResolve(t *testing.T) {
	base := func() v1alpha1.CollaboraParameters {
		return v1alpha1.CollaboraParameters{Host: "office.example.org", WOPIHosts: []string{"https://cloud.example.org"}}
	}
	with := func(f func(p *v1alpha1.CollaboraParameters)) v1alpha1.CollaboraParameters {
		p := base()
		f(&p)
		return p
	}
	cases := map[string]struct {
		reason  string
		in      v1alpha1.CollaboraParameters
		want    params
		wantErr string
	}{
		"Defaults": {
			reason: "Unset fields get the XRD's defaults.",
			in:     base(),
			want: params{
				CollaboraParameters: v1alpha1.CollaboraParameters{
					Host:      "office.example.org",
					WOPIHosts: []string{"https://cloud.example.org"},
					Replicas:  1,
					Image:     "collabora/code:25.04.9.4.1",
					Wiring:    common.Wiring{Route: common.Route{Ingress: &common.IngressRoute{ClassName: "nginx", Controller: "nginx"}}},
					Resources: common.Resources{
						Requests: &common.ResourceList{CPU: quantity("1800m"), Memory: quantity("2Gi")},
						Limits:   &common.ResourceList{Memory: quantity("2Gi")},
					},
				},
				aliasGroups: []string{"https://cloud.example.org:443"},
				names:       officeNames,
			},
		},
		"AliasGroups": {
			reason: "Each WOPI host becomes scheme://host:port, lower case, without its path, in the user's order.",
			in: with(func(p *v1alpha1.CollaboraParameters) {
				p.WOPIHosts = []string{"https://Z.example.org/nextcloud/", "https://a.example.org:8443", "https://10.0.0.1"}
			}),
			want: params{
				CollaboraParameters: v1alpha1.CollaboraParameters{
					Host:      "office.example.org",
					WOPIHosts: []string{"https://Z.example.org/nextcloud/", "https://a.example.org:8443", "https://10.0.0.1"},
					Replicas:  1,
					Image:     "collabora/code:25.04.9.4.1",
					Wiring:    common.Wiring{Route: common.Route{Ingress: &common.IngressRoute{ClassName: "nginx", Controller: "nginx"}}},
					Resources: v1alpha1.DefaultResources(),
				},
				aliasGroups: []string{"https://z.example.org:443", "https://a.example.org:8443", "https://10.0.0.1:443"},
				names:       officeNames,
			},
		},
		"PartialResources": {
			reason: "Resources the user set are used as they are: the default applies only to no resources at all, as on the API server.",
			in: with(func(p *v1alpha1.CollaboraParameters) {
				p.Resources = common.Resources{Requests: &common.ResourceList{CPU: quantity("1")}}
			}),
			want: params{
				CollaboraParameters: v1alpha1.CollaboraParameters{
					Host:      "office.example.org",
					WOPIHosts: []string{"https://cloud.example.org"},
					Replicas:  1,
					Image:     "collabora/code:25.04.9.4.1",
					Wiring:    common.Wiring{Route: common.Route{Ingress: &common.IngressRoute{ClassName: "nginx", Controller: "nginx"}}},
					Resources: common.Resources{Requests: &common.ResourceList{CPU: quantity("1")}},
				},
				aliasGroups: []string{"https://cloud.example.org:443"},
				names:       officeNames,
			},
		},
		"NoHost": {
			reason:  "The host is required.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Host = "" }),
			wantErr: `spec.parameters.host: Required value: the host browsers reach Collabora Online at, e.g. office.example.org`,
		},
		"BadHost": {
			reason:  "The host must be a DNS name.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Host = "https://office.example.org" }),
			wantErr: `spec.parameters.host: Invalid value: "https://office.example.org": must be a DNS name such as office.example.org`,
		},
		"NoWOPIHosts": {
			reason:  "At least one WOPI host is required.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.WOPIHosts = nil }),
			wantErr: `spec.parameters.wopiHosts: Required value: list at least one WOPI host, e.g. https://cloud.example.org`,
		},
		"TooManyWOPIHosts": {
			reason:  "At most 20 WOPI hosts, as the XRD says.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.WOPIHosts = make([]string, 21) }),
			wantErr: `spec.parameters.wopiHosts: Too many: 21: must have at most 20 items; also spec.parameters.wopiHosts[0]: Invalid value: "": must be an https URL such as https://cloud.example.org; spec.parameters.wopiHosts[1]: Invalid value: "": must be an https URL such as https://cloud.example.org; spec.parameters.wopiHosts[1]: Duplicate value: ""; and 38 more`,
		},
		"PlainHTTP": {
			reason:  "WOPI hosts must be https.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.WOPIHosts = []string{"http://cloud.example.org"} }),
			wantErr: `spec.parameters.wopiHosts[0]: Invalid value: "http://cloud.example.org": must be an https URL such as https://cloud.example.org`,
		},
		"Credentials": {
			reason: "Credentials in a WOPI host URL are refused rather than written into the pod's environment.",
			in: with(func(p *v1alpha1.CollaboraParameters) {
				p.WOPIHosts = []string{"https://cloud.example.org", "https://u:p@cloud.example.org"}
			}),
			wantErr: `spec.parameters.wopiHosts[1]: Invalid value: "https://u:p@cloud.example.org": must be an https URL such as https://cloud.example.org`,
		},
		"Query": {
			reason:  "A query or fragment has no meaning for an alias group.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.WOPIHosts = []string{"https://cloud.example.org/?a=b"} }),
			wantErr: `spec.parameters.wopiHosts[0]: must be an https URL such as https://cloud.example.org: must not have a query or fragment`,
		},
		"CommaInHost": {
			reason:  "A host that would split the alias group list is refused.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.WOPIHosts = []string{"https://a.example.org,b.example.org"} }),
			wantErr: `spec.parameters.wopiHosts[0]: Invalid value: "https://a.example.org,b.example.org": must be an https URL such as https://cloud.example.org`,
		},
		"BadPort": {
			reason:  "A port must be a TCP port.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.WOPIHosts = []string{"https://cloud.example.org:99999"} }),
			wantErr: `spec.parameters.wopiHosts[0]: must be an https URL such as https://cloud.example.org: port must be between 1 and 65535`,
		},
		"DuplicateWOPIHost": {
			reason: "Two URLs of the same host and port are the same alias group.",
			in: with(func(p *v1alpha1.CollaboraParameters) {
				p.WOPIHosts = []string{"https://cloud.example.org", "https://CLOUD.example.org:443/x"}
			}),
			wantErr: `spec.parameters.wopiHosts[1]: is the same WOPI host as spec.parameters.wopiHosts[0]`,
		},
		"TooManyReplicas": {
			reason:  "At most 20 replicas, as the XRD says.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Replicas = 21 }),
			wantErr: `spec.parameters.replicas: Invalid value: 21: must be 1 to 20`,
		},
		"NegativeReplicas": {
			reason:  "Replicas cannot be negative.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Replicas = -1 }),
			wantErr: `spec.parameters.replicas: Invalid value: -1: must be 1 to 20`,
		},
		"BadDictionary": {
			reason:  "A dictionary must be a language tag: it is pasted into coolwsd.xml by the start script.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Dictionaries = []string{"de_DE", "en/US"} }),
			wantErr: `spec.parameters.dictionaries[1]: Invalid value: "en/US": must be a language tag such as de_DE or en`,
		},
		"DuplicateDictionary": {
			reason:  "A dictionary is listed once.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Dictionaries = []string{"de_DE", "de_DE"} }),
			wantErr: `spec.parameters.dictionaries[1]: Duplicate value: "de_DE"`,
		},
		"BadImage": {
			reason:  "An image reference has no spaces.",
			in:      with(func(p *v1alpha1.CollaboraParameters) { p.Image = "collabora/code latest" }),
			wantErr: `spec.parameters.image: Invalid value: "collabora/code latest": must be an image reference without spaces`,
		},
		"RequestOverLimit": {
			reason: "A request over its limit would be rejected on the Deployment; it is rejected on the claim's field instead.",
			in: with(func(p *v1alpha1.CollaboraParameters) {
				p.Resources = common.Resources{Requests: &common.ResourceList{Memory: quantity("4Gi")}, Limits: &common.ResourceList{Memory: quantity("2Gi")}}
			}),
			wantErr: `spec.parameters.resources.requests.memory: Invalid value: "4Gi": must be less than or equal to the limit 2Gi`,
		},
		"NegativeLimit": {
			reason: "A negative amount is refused.",
			in: with(func(p *v1alpha1.CollaboraParameters) {
				p.Resources = common.Resources{Limits: &common.ResourceList{CPU: quantity("-1")}}
			}),
			wantErr: `spec.parameters.resources.limits.cpu: Invalid value: "-1": must not be negative`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := resolveParams(tc.in)
			if diff := cmp.Diff(tc.wantErr, errorString(err)); diff != "" {
				t.Fatalf("%s\nresolve(...): -want error, +got error:\n%s", tc.reason, diff)
			}
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.want, got, append(cmpOpts, cmp.AllowUnexported(params{}, names{}, blockedMove{}))...); diff != "" {
				t.Errorf("%s\nresolve(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
