package function

import (
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composite"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	common "github.com/homeplane/homeplane/apis/common/v1alpha1"
	"github.com/homeplane/homeplane/fn/compose"
)

// tenant returns the namespace and name of the tenant's object, from which
// every namespace and identity of the composite's objects derives.
//
// A namespaced composite is the tenant's object: its own metadata.namespace
// and metadata.name, and nothing else. Its labels are the tenant's to write,
// so a crossplane.io/claim-namespace label on it is never read: it would let
// a tenant compose into another namespace.
//
// A LegacyCluster composite is cluster scoped; Crossplane labels it with its
// claim's namespace and name (tenants cannot create it, only its claim).
func tenant(reg Registration, xr *composite.Unstructured) (namespace, name string, err error) {
	kind, xrName := xr.GetKind(), xr.GetName()
	if reg.Namespaced {
		if xr.GetNamespace() == "" {
			return "", "", errors.Errorf(errNoNamespace, kind, xrName)
		}
		return xr.GetNamespace(), xrName, nil
	}
	labels := xr.GetLabels()
	namespace = labels[compose.LabelClaimNamespace]
	if namespace == "" {
		return "", "", errors.Errorf(errNoClaim, kind, xrName, compose.LabelClaimNamespace)
	}
	name = labels[compose.LabelClaimName]
	if name == "" {
		name = xrName
	}
	return namespace, name, nil
}

// connectionSecretName is the name of a namespaced composite's connection
// Secret (common.NamespacedComposite.ConnectionSecretName): an invalid one is
// an error naming its field.
func connectionSecretName(xr *composite.Unstructured) (string, error) {
	nc := &common.NamespacedComposite{}
	if err := compose.DecodeObject(xr.UnstructuredContent(), nc); err != nil {
		// The decode error names the field.
		return "", errors.Wrapf(err, errInvalidXR, xr.GetKind(), xr.GetName())
	}
	name, ferr := nc.ConnectionSecretName(xr.GetName())
	if ferr != nil {
		return "", errors.Errorf(errConnSecret, xr.GetKind(), xr.GetName(), ferr.Error())
	}
	return name, nil
}

// addConnectionSecret composes a namespaced composite's connection details
// as the Secret name in its namespace: Crossplane v2 does not publish a
// modern composite's connection details. The Secret is always composed, with
// whatever details the composer gives (empty while the app is not ready), so
// that a pod can name it from the start; the composers keep their details
// stable across reconciles. A name that one of the composite's other
// Secrets already has is an error naming spec.writeConnectionSecretToRef.
func addConnectionSecret(res *compose.Result, xr *composite.Unstructured, namespace, name string) error {
	if _, ok := res.Resources[ResourceConnectionSecret]; ok {
		return errors.Errorf("composition resource name %q is reserved for the connection Secret", ResourceConnectionSecret)
	}
	for rn, d := range res.Resources {
		if d.Object.GetObjectKind().GroupVersionKind() != corev1.SchemeGroupVersion.WithKind("Secret") {
			continue
		}
		if n := objectName(d.Object); n == name {
			return errors.Errorf(errConnClash, xr.GetKind(), xr.GetName(), common.FieldWriteConnectionSecretToRef, name, rn)
		}
	}
	data := make(map[string][]byte, len(res.ConnectionDetails))
	for k, v := range res.ConnectionDetails {
		data[k] = v
	}
	res.Add(ResourceConnectionSecret, &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{
			compose.LabelInstance: xr.GetName(), compose.LabelManagedBy: compose.ManagedBy, compose.LabelComponent: "connection",
		}},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}, resource.ReadyTrue)
	// Crossplane ignores a modern composite's connection details: none are
	// set, so nothing suggests they go anywhere else.
	res.ConnectionDetails = nil
	return nil
}

// objectName is the name of a typed or unstructured desired object.
func objectName(o any) string {
	if m, ok := o.(metav1.Object); ok {
		return m.GetName()
	}
	return ""
}
