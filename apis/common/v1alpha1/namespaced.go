package v1alpha1

import (
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Crossplane v2 does not publish the connection details of a namespaced
// composite (apiextensions.crossplane.io/v2, scope Namespaced): the function
// composes them as a Secret in the composite's namespace instead. The
// namespaced XRDs (hack/xrdgen) add spec.writeConnectionSecretToRef to the
// same schema as the claims'; the claims' flavour keeps Crossplane's own
// claim field of that name.

// ConnectionSecretSuffix names the connection Secret of a namespaced
// composite that does not name one: <composite name>-connection.
const ConnectionSecretSuffix = "-connection"

// FieldWriteConnectionSecretToRef is the path of the field in a namespaced
// composite.
const FieldWriteConnectionSecretToRef = "spec.writeConnectionSecretToRef"

// LocalConnectionSecretReference names the Secret, in the namespaced
// composite's own namespace, that receives its connection details. There is
// no namespace field: nothing is ever written outside the composite's
// namespace.
type LocalConnectionSecretReference struct {
	// Name of the Secret: a DNS-1123 subdomain of at most 253 characters
	// (SecretNamePattern). The function composes it (it must not be a
	// Secret the composite already composes under another role).
	Name string `json:"name"`
}

// NamespacedComposite is what only a namespaced composite has, beside the
// parameters both flavours share. The function decodes it next to the app's
// own typed composite.
type NamespacedComposite struct {
	Spec NamespacedSpec `json:"spec"`
}

// NamespacedSpec is the part of a namespaced composite's spec that the
// claims' flavour does not have.
type NamespacedSpec struct {
	// WriteConnectionSecretToRef names the connection Secret; absent, it is
	// <composite name>-connection.
	WriteConnectionSecretToRef *LocalConnectionSecretReference `json:"writeConnectionSecretToRef,omitempty"`
}

// ConnectionSecretName returns the name of the connection Secret of the
// namespaced composite xrName: the one the spec names, else
// <xrName>-connection. A name the API server would refuse for a Secret is an
// error on spec.writeConnectionSecretToRef.name. A default that would be too
// long is an error on metadata.name.
func (s *NamespacedComposite) ConnectionSecretName(xrName string) (string, *field.Error) {
	if ref := s.Spec.WriteConnectionSecretToRef; ref != nil {
		p := field.NewPath("spec", "writeConnectionSecretToRef", "name")
		if msgs := validation.IsDNS1123Subdomain(ref.Name); len(msgs) > 0 {
			return "", field.Invalid(p, ref.Name, "must be a Secret name: "+msgs[0])
		}
		return ref.Name, nil
	}
	name := xrName + ConnectionSecretSuffix
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return "", field.Invalid(field.NewPath("metadata", "name"), xrName,
			"the default connection Secret "+name+" is not a Secret name ("+msgs[0]+"): set "+FieldWriteConnectionSecretToRef+".name")
	}
	return name, nil
}
