// Command vulndb builds a Go vulnerability database in the v1 layout that
// govulncheck reads with -db file:///path, from the OSV entries of the
// golang.org/x/vulndb module (data/osv/GO-*.json), for machines that cannot
// reach vuln.go.dev but can reach a Go module proxy.
//
// Usage:
//
//	go run ./internal/vulndb -osv $MODDIR/data/osv -modified 2026-11-05T23:49:57Z -out $DB
//
// It writes index/db.json, index/modules.json and ID/<id>.json as described
// at https://go.dev/security/vuln/database#api. The entries of the vulndb
// repository carry no modification time (it is stamped at publication from
// the git history), so -modified, the module version's commit time, stands
// for it: govulncheck prints it as the database's date. The optional "fixed"
// field of modules.json is left out, which makes govulncheck read every entry
// of a module it checks rather than skip the fixed ones: slower, same result.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	osvDir := flag.String("osv", "", "directory of OSV JSON files (data/osv of golang.org/x/vulndb)")
	out := flag.String("out", "", "directory to write the database to")
	modified := flag.String("modified", "", "RFC 3339 time of the snapshot, for entries without one")
	flag.Parse()
	if *osvDir == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	var snapshot time.Time
	if *modified != "" {
		t, err := time.Parse(time.RFC3339, *modified)
		if err != nil {
			log.Fatalf("vulndb: -modified: %v", err)
		}
		snapshot = t.UTC()
	}
	n, newest, err := build(*osvDir, *out, snapshot)
	if err != nil {
		log.Fatalf("vulndb: %v", err)
	}
	fmt.Printf("vulndb: %d entries, modified %s, written to %s\n", n, newest.Format(time.RFC3339), *out)
}

// entry is the part of an OSV entry the index needs; the entry itself is
// copied unchanged apart from a missing modification time.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Affected []struct {
		Module struct {
			Path string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

// build reads every <ID>.json of osvDir and writes the database to out. It
// returns the number of entries and the database's modification time.
func build(osvDir, out string, snapshot time.Time) (int, time.Time, error) {
	files, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return 0, time.Time{}, err
	}
	if len(files) == 0 {
		return 0, time.Time{}, fmt.Errorf("no OSV files in %s", osvDir)
	}
	for _, d := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return 0, time.Time{}, err
		}
	}
	var newest time.Time
	modules := map[string]*module{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, time.Time{}, err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, time.Time{}, fmt.Errorf("%s: %v", f, err)
		}
		if filepath.Base(f) != e.ID+".json" || !strings.HasPrefix(e.ID, "GO-") {
			return 0, time.Time{}, fmt.Errorf("%s: entry id %q does not match the file name", f, e.ID)
		}
		if e.Modified.IsZero() && !snapshot.IsZero() {
			e.Modified = snapshot
			if raw, err = setModified(raw, snapshot); err != nil {
				return 0, time.Time{}, fmt.Errorf("%s: %v", f, err)
			}
		}
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		for _, a := range e.Affected {
			m := modules[a.Module.Path]
			if m == nil {
				m = &module{Path: a.Module.Path}
				modules[a.Module.Path] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified})
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return 0, time.Time{}, fmt.Errorf("%s: %v", f, err)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), buf.Bytes(), 0o644); err != nil {
			return 0, time.Time{}, err
		}
	}

	list := make([]*module, 0, len(modules))
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	if err := writeJSON(filepath.Join(out, "index", "modules.json"), list); err != nil {
		return 0, time.Time{}, err
	}
	db := struct {
		Modified time.Time `json:"modified"`
	}{newest}
	if err := writeJSON(filepath.Join(out, "index", "db.json"), db); err != nil {
		return 0, time.Time{}, err
	}
	return len(files), newest, nil
}

// setModified returns the OSV entry raw with its "modified" field set to t.
func setModified(raw []byte, t time.Time) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	ts, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	m["modified"] = ts
	return json.Marshal(m)
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
