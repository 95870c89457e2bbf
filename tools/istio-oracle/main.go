// Command istio-oracle runs Istio's own configuration analyzers (istio.io/istio/pkg/config/analysis)
// over manifest files, driven the way Istio's analyzer unit tests drive them: a test reader source
// (Pods, Services, Secrets and Namespaces are read, unlike `istioctl analyze --use-kube=false`), the
// default ingress gateway resources, and mesh config defaults. Gatewarden's tests compare their
// findings with its answers. scripts/provision-oracle.sh builds it into a cache; it is never shipped.
//
//	istio-oracle run < jobs.json          analyze every job of a JSON list; a JSON list of results
//	istio-oracle table DIR                Istio's analyzer test table as JSON; DIR holds a copy of the
//	                                      module's pkg/config/analysis (analyzers_test.go, msg, testdata)
//	istio-oracle analyze [-n NS] FILE...  one job from the command line, for people
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"istio.io/istio/pkg/config/analysis"
	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/analyzers/maturity"
	schemaValidation "istio.io/istio/pkg/config/analysis/analyzers/schema"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/log"
)

// job is one analysis: some files, as one cluster.
type job struct {
	ID    string   `json:"id"`
	Files []string `json:"files"`
	// Namespace: when set, the files are read as the API server would store them (asStored), with this
	// namespace for objects that name none; "" reads them as written, as Istio's analyzer tests do.
	Namespace    string `json:"namespace"`
	MeshConfig   string `json:"meshConfig,omitempty"`
	MeshNetworks string `json:"meshNetworks,omitempty"`
	// Analyzer is one analyzer as Istio's test table writes it ("&gateway.SecretAnalyzer{}"); "" runs all.
	Analyzer string `json:"analyzer,omitempty"`
}

type finding struct {
	Code     string `json:"code"`
	Level    string `json:"level"`
	Analyzer string `json:"analyzer"`
	// Origin is Istio's "Kind namespace/name" (or "Kind name"), as its test table writes it.
	Origin    string `json:"origin"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Message   string `json:"message"`
}

type result struct {
	ID string `json:"id"`
	// Error: the job could not be analyzed at all.
	Error string `json:"error,omitempty"`
	// ReadErrors: documents Istio could not read (they are left out of the analysis, as in istioctl).
	ReadErrors []string  `json:"readErrors,omitempty"`
	Messages   []finding `json:"messages"`
}

func main() {
	for _, s := range log.Scopes() {
		s.SetOutputLevel(log.ErrorLevel)
	}
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runJobs()
	case "table":
		if len(os.Args) != 3 {
			usage()
		}
		err = printTable(os.Args[2])
	case "analyze":
		err = analyzeCommand(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "istio-oracle:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: istio-oracle run < jobs.json | istio-oracle table DIR | istio-oracle analyze [-n NS] FILE...")
	os.Exit(2)
}

func runJobs() error {
	var jobs []job
	if err := json.NewDecoder(os.Stdin).Decode(&jobs); err != nil {
		return fmt.Errorf("reading jobs from stdin: %v", err)
	}
	registry := analyzerRegistry()
	results := make([]result, 0, len(jobs))
	for _, j := range jobs {
		results = append(results, analyze(j, registry))
	}
	return writeJSON(results)
}

func analyzeCommand(args []string) error {
	fs := flag.NewFlagSet("analyze", flag.ExitOnError)
	ns := fs.String("n", "default", "namespace of resources that name none")
	mesh := fs.String("mesh-config", "", "mesh config file")
	only := fs.String("analyzer", "", "one analyzer, as Istio's test table writes it")
	_ = fs.Parse(args)
	r := analyze(job{ID: "cli", Files: fs.Args(), Namespace: *ns, MeshConfig: *mesh, Analyzer: *only}, analyzerRegistry())
	return writeJSON(r)
}

func writeJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

// analyzerRegistry: every analyzer Istio's test table names, by the expression it is written with.
func analyzerRegistry() map[string]analysis.Analyzer {
	m := map[string]analysis.Analyzer{}
	for _, a := range append(analyzers.All(), &maturity.AlphaAnalyzer{}) {
		t := reflect.TypeOf(a)
		if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
			continue
		}
		key := "&" + filepath.Base(t.Elem().PkgPath()) + "." + t.Elem().Name() + "{}"
		if _, seen := m[key]; !seen {
			m[key] = a
		}
	}
	m["schemaValidation.CollectionValidationAnalyzer(collections.VirtualService)"] =
		schemaValidation.CollectionValidationAnalyzer(collections.VirtualService)
	return m
}

// analyze runs the analyzers the way Istio's analyzers_test.go sets them up (setupAnalyzerForCase).
func analyze(j job, registry map[string]analysis.Analyzer) result {
	out := result{ID: j.ID, Messages: []finding{}}
	fail := func(format string, args ...any) result {
		out.Error = fmt.Sprintf(format, args...)
		return out
	}
	combined := analyzers.AllCombined()
	if j.Analyzer != "" {
		a, ok := registry[j.Analyzer]
		if !ok {
			return fail("unknown analyzer %s", j.Analyzer)
		}
		combined = analysis.Combine("testCase", a)
	}
	sa := local.NewSourceAnalyzer(combined, "", "istio-system", nil)
	if j.MeshConfig != "" {
		if err := sa.AddFileKubeMeshConfig(j.MeshConfig); err != nil {
			return fail("mesh config %s: %v", j.MeshConfig, err)
		}
	}
	if j.MeshNetworks != "" {
		if err := sa.AddFileKubeMeshNetworks(j.MeshNetworks); err != nil {
			return fail("mesh networks %s: %v", j.MeshNetworks, err)
		}
	}
	var readers []local.ReaderSource
	for _, f := range j.Files {
		content, err := os.ReadFile(f)
		if err != nil {
			return fail("%v", err)
		}
		text := string(content)
		if j.Namespace != "" {
			text = asStored(text, j.Namespace)
		}
		readers = append(readers, local.ReaderSource{Name: f, Reader: strings.NewReader(text)})
	}
	if err := sa.AddTestReaderKubeSource(readers); err != nil {
		out.ReadErrors = append(out.ReadErrors, err.Error())
	}
	if err := sa.AddDefaultResources(); err != nil {
		return fail("default resources: %v", err)
	}
	cancel := make(chan struct{})
	defer close(cancel)
	res, err := sa.Analyze(cancel)
	if err != nil {
		return fail("analysis: %v", err)
	}
	names := make([]string, 0, len(res.MappedMessages))
	for name := range res.MappedMessages {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, m := range res.MappedMessages[name] {
			out.Messages = append(out.Messages, toFinding(name, m))
		}
	}
	return out
}

func toFinding(analyzer string, m diag.Message) finding {
	f := finding{
		Code:     m.Type.Code(),
		Level:    m.Type.Level().String(),
		Analyzer: analyzer,
		Message:  fmt.Sprintf(m.Type.Template(), m.Parameters...),
	}
	if m.Resource != nil {
		f.Origin = m.Resource.Origin.FriendlyName()
		f.Kind, _, _ = strings.Cut(f.Origin, " ")
		f.Namespace = m.Resource.Metadata.FullName.Namespace.String()
		f.Name = m.Resource.Metadata.FullName.Name.String()
	}
	return f
}
