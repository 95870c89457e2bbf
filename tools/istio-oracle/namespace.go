package main

import (
	"bufio"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/collections"
)

// asStored gives the documents what the API server would add when storing them: every namespaced
// object that names no namespace gets the given one (as KubeSource.SetDefaultNamespace would; Istio's
// analyzer offers that only together with a filter keeping that namespace's findings alone), and every
// Service port without a protocol gets TCP (Istio's gateway port analyzer counts TCP ports only).
// Documents it cannot read are left as they are.
func asStored(text, namespace string) string {
	reader := kubeyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var docs []string
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return text
		}
		docs = append(docs, fillNamespace(doc, namespace))
	}
	return strings.Join(docs, "\n---\n")
}

func fillNamespace(doc []byte, namespace string) string {
	var obj map[string]any
	if err := yaml.Unmarshal(doc, &obj); err != nil || obj == nil || !fill(obj, namespace) {
		return string(doc)
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return string(doc)
	}
	return string(out)
}

// fill completes an object, or the items of a List, as asStored says; it says whether it changed anything.
func fill(obj map[string]any, namespace string) bool {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if kind == "List" {
		items, _ := obj["items"].([]any)
		changed := false
		for _, item := range items {
			if m, ok := item.(map[string]any); ok {
				changed = fill(m, namespace) || changed
			}
		}
		return changed
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return false
	}
	s, found := collections.All.FindByGroupKind(config.GroupVersionKind{Group: gv.Group, Version: gv.Version, Kind: kind})
	if !found || s.IsClusterScoped() {
		return false
	}
	changed := false
	if meta, ok := obj["metadata"].(map[string]any); ok {
		if ns, _ := meta["namespace"].(string); ns == "" {
			meta["namespace"] = namespace
			changed = true
		}
	}
	if gv.Group == "" && kind == "Service" {
		spec, _ := obj["spec"].(map[string]any)
		ports, _ := spec["ports"].([]any)
		for _, p := range ports {
			if port, ok := p.(map[string]any); ok && port["protocol"] == nil {
				port["protocol"] = "TCP"
				changed = true
			}
		}
	}
	return changed
}
