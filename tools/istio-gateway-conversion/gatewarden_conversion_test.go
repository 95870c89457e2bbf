// Added to istio.io/istio/pilot/pkg/config/kube/gateway by `go test -overlay` (see run.sh): the harness
// of Istio's TestConvertResources (same fake cluster, preconfigured Services, Secrets and ConfigMaps,
// same status dump), run over Gatewarden's inputs instead of Istio's testdata.
package gateway

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/networking/core"
	"istio.io/istio/pilot/pkg/serviceregistry/kube/controller"
	"istio.io/istio/pilot/pkg/status"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/controllers"
	"istio.io/istio/pkg/kube/krt"
	"istio.io/istio/pkg/test"
	"istio.io/istio/pkg/util/sets"
	"sigs.k8s.io/yaml"
)

// TestGatewardenInputs converts every *.yaml in $GATEWARDEN_CONVERSION_IN and writes Istio's status dump
// for it as <name>.status.yaml in $GATEWARDEN_CONVERSION_OUT, and the objects the harness adds to the fake
// cluster (Services, Secrets, ConfigMaps, Namespaces) as <name>.cluster.yaml, so Gatewarden can read the
// very same cluster. Inputs are not CRD-validated: Gatewarden's broken examples are meant to reach the
// controller, as they do when no webhook stands in front of it.
func TestGatewardenInputs(t *testing.T) {
	in, out := os.Getenv("GATEWARDEN_CONVERSION_IN"), os.Getenv("GATEWARDEN_CONVERSION_OUT")
	if in == "" || out == "" {
		t.Skip("GATEWARDEN_CONVERSION_IN and GATEWARDEN_CONVERSION_OUT name the input and output directories")
	}
	files, err := filepath.Glob(filepath.Join(in, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.yaml in %s (%v)", in, err)
	}
	// As TestConvertResources sets them.
	test.SetForTest(t, &features.EnableGatewayAPIGatewayClassController, false)
	test.SetForTest(t, &features.EnableGatewayAPIInferenceExtension, true)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, added := gatewardenObjects(t, string(data))
			dump := convertForStatus(t, append(input, added...))
			if err := os.WriteFile(filepath.Join(out, name+".status.yaml"), []byte(dump), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, name+".cluster.yaml"), clusterYaml(t, added), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// gatewardenObjects is readConfig without CRD validation: the input's objects, and those the harness adds
// (an object the input already has, such as its own istio-ingressgateway Service, is not added twice).
func gatewardenObjects(t *testing.T, data string) ([]runtime.Object, []runtime.Object) {
	input, err := kubernetesObjectsFromString(data)
	if err != nil {
		t.Fatalf("failed to parse: %v", err)
	}
	key := func(o runtime.Object) string {
		m := o.(controllers.Object)
		return fmt.Sprintf("%T/%s/%s", o, m.GetNamespace(), m.GetName())
	}
	present := sets.New[string]()
	namespaces := sets.New[string]()
	for _, o := range input {
		present.Insert(key(o))
		namespaces.Insert(o.(controllers.Object).GetNamespace())
	}
	candidates := []runtime.Object{}
	for _, svc := range services {
		if !strings.HasSuffix(svc.Hostname.String(), "domain.suffix") {
			continue
		}
		name := svc.Attributes.Name
		if name == "" {
			name, _, _ = strings.Cut(svc.Hostname.String(), ".")
		}
		candidates = append(candidates, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: svc.Attributes.Namespace, Name: name},
			Spec: corev1.ServiceSpec{Ports: svcPorts}})
	}
	candidates = append(candidates, objects...)
	for ns := range namespaces {
		if ns != "" { // labelled as readConfig labels them
			candidates = append(candidates, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
				Labels: map[string]string{"istio.io/test-name-part": strings.Split(ns, "-")[0]}}})
		}
	}
	added := []runtime.Object{}
	for _, o := range candidates {
		if !present.Contains(key(o)) {
			added = append(added, o)
		}
	}
	return input, added
}

// clusterYaml writes the added core objects as a YAML stream; typed objects built in code carry no
// apiVersion/kind, so they are set here.
func clusterYaml(t *testing.T, objs []runtime.Object) []byte {
	var b strings.Builder
	for _, o := range objs {
		var kind string
		switch o.(type) {
		case *corev1.Secret:
			kind = "Secret"
		case *corev1.ConfigMap:
			kind = "ConfigMap"
		case *corev1.Service:
			kind = "Service"
		case *corev1.Namespace:
			kind = "Namespace"
		default:
			t.Fatalf("unexpected added object %T", o)
		}
		o = o.DeepCopyObject()
		o.GetObjectKind().SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind))
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return []byte(b.String())
}

// convertForStatus is the body of TestConvertResources up to the status dump.
func convertForStatus(t *testing.T, input []runtime.Object) string {
	stop := test.NewStop(t)
	kc := kube.NewFakeClient(input...)
	setupClientCRDs(t, kc)
	instances := []*model.ServiceInstance{}
	for _, svc := range services {
		for i, port := range svc.Ports {
			epPort := uint32(0)
			if i == 0 {
				epPort = 8080
			}
			instances = append(instances, &model.ServiceInstance{Service: svc, ServicePort: port,
				Endpoint: &model.IstioEndpoint{EndpointPort: epPort}})
		}
	}
	cg := core.NewConfigGenTest(t, core.TestOptions{Services: services, Instances: instances})
	ctrl := NewController(kc, AlwaysReady, controller.Options{DomainSuffix: "domain.suffix", KrtDebugger: &krt.DebugHandler{}}, nil)
	sq := &TestStatusQueue{state: map[status.Resource]any{}}
	go ctrl.Run(stop)
	kc.RunAndWait(stop)
	ctrl.Reconcile(cg.PushContext())
	kube.WaitForCacheSync("test", stop, ctrl.HasSynced)
	for _, st := range ctrl.status.SetQueue(sq) {
		st.WaitUntilSynced(stop)
	}
	return sq.Dump()
}
