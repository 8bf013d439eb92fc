package compose

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Standard labels on everything Homeplane composes.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "homeplane"
)

// Labels returns the standard labels for an app component of this claim.
func (r *Request) Labels(app, component string) map[string]string {
	l := map[string]string{
		LabelName:      app,
		LabelInstance:  r.ClaimName,
		LabelManagedBy: ManagedBy,
	}
	if component != "" {
		l[LabelComponent] = component
	}
	return l
}

// ObjectMeta returns metadata for a namespaced object in the claim's
// namespace, labelled for app and component.
func (r *Request) ObjectMeta(name, app, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: r.Namespace, Labels: r.Labels(app, component)}
}
