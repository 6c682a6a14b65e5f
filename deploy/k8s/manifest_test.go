package k8s

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/hdphone/hdphone/fleet"
)

type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				Containers []struct {
					Command []string `yaml:"command"`
					Args    []string `yaml:"args"`
					Env     []struct {
						Name string `yaml:"name"`
					} `yaml:"env"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// The Indexed Job runs as many shards as it has completions, each with
// --shard $JOB_COMPLETION_INDEX/n; the fleet file in the ConfigMap parses
// (with the variables the pods set), its shards cover the fleet, and the
// merge Job merges every shard's report.
func TestFleetJobManifest(t *testing.T) {
	b, err := os.ReadFile("fleet-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mb, err := os.ReadFile("fleet-merge-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b = append(append(b, "\n---\n"...), mb...)
	docs := map[string]manifest{}
	for _, d := range bytes.Split(b, []byte("\n---\n")) {
		var m manifest
		if err := yaml.Unmarshal(d, &m); err != nil {
			t.Fatal(err)
		}
		docs[m.Kind+"/"+m.Metadata.Name] = m
	}
	job, ok := docs["Job/hdphone-fleet"]
	if !ok {
		t.Fatalf("no fleet Job in %v", docs)
	}
	if job.Spec.CompletionMode != "Indexed" || job.Spec.Completions < 2 || job.Spec.Parallelism != job.Spec.Completions {
		t.Errorf("job spec %+v", job.Spec)
	}
	c := job.Spec.Template.Spec.Containers[0]
	script := strings.Join(c.Args, " ")
	m := regexp.MustCompile(`--shard "\$JOB_COMPLETION_INDEX/(\d+)"`).FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("no --shard $JOB_COMPLETION_INDEX/n in %q", script)
	}
	if n, _ := strconv.Atoi(m[1]); n != job.Spec.Completions {
		t.Errorf("--shard …/%d but %d completions", n, job.Spec.Completions)
	}
	for _, want := range []string{"--json \"/results/shard-$JOB_COMPLETION_INDEX.json\"", "--junit", "[ \"$status\" -le 1 ]"} {
		if !strings.Contains(script, want) {
			t.Errorf("shard script lacks %q:\n%s", want, script)
		}
	}
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
	}
	src := docs["ConfigMap/hdphone-fleet"].Data["fleet.yaml"]
	for _, v := range regexp.MustCompile(`\$\{([A-Z_]+)\}`).FindAllStringSubmatch(src, -1) {
		if !env[v[1]] {
			t.Errorf("the fleet file uses ${%s}, which the pods do not set", v[1])
		}
	}
	expanded := os.Expand(src, func(k string) string {
		return map[string]string{"POD_IP": "10.1.2.3", "SIP_REGISTRAR": "10.0.0.1:5060", "SIP_DOMAIN": "sip.example"}[k]
	})
	f, err := fleet.Parse("fleet.yaml", []byte(expanded))
	if err != nil {
		t.Fatalf("the ConfigMap's fleet file: %v", err)
	}
	covered := 0
	for i := range job.Spec.Completions {
		lo, hi := fleet.Shard{Index: i, Count: job.Spec.Completions}.Slice(len(f.Phones))
		if lo != covered {
			t.Errorf("shard %d starts at %d, want %d", i, lo, covered)
		}
		covered = hi
	}
	if covered != len(f.Phones) {
		t.Errorf("shards cover %d of %d phones", covered, len(f.Phones))
	}
	merge := docs["Job/hdphone-fleet-merge"].Spec.Template.Spec.Containers
	if len(merge) != 1 || !strings.Contains(fmt.Sprint(merge[0].Args), "hdphone fleet merge /results/shard-*.json") {
		t.Errorf("merge job %+v", merge)
	}
}
