package exporters

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
)

// EnvError reports an environment variable whose value Setup cannot use.
// Its message names the variable, the value (never for header variables,
// whose values carry credentials) and what is accepted, for example
//
//	exporters: OTEL_TRACES_EXPORTER="jaegr": unknown exporter; accepted: otlp, console, none
type EnvError struct {
	Var      string // the variable, e.g. "OTEL_TRACES_EXPORTER"
	Value    string // the offending value; empty when Redacted
	Redacted bool   // the value is a secret and is not shown
	Problem  string // what is wrong, e.g. "unknown exporter"
	Accepted string // what is accepted instead
}

// Error implements error.
func (e *EnvError) Error() string {
	var b strings.Builder
	b.WriteString("exporters: ")
	b.WriteString(e.Var)
	if !e.Redacted {
		b.WriteString("=")
		b.WriteString(strconv.Quote(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Accepted != "" {
		b.WriteString("; accepted: ")
		b.WriteString(e.Accepted)
	}
	return b.String()
}

// Exporter names of the OTEL_*_EXPORTER variables.
const (
	exporterOTLP       = "otlp"
	exporterConsole    = "console"
	exporterNone       = "none"
	exporterPrometheus = "prometheus"
)

// OTLP protocols accepted by autoexport.
const (
	protoGRPC = "grpc"
	protoHTTP = "http/protobuf"
)

// signal is one of the three OTel signals.
type signal struct {
	name     string   // "traces", "metrics", "logs"
	upper    string   // "TRACES", ...
	exporter string   // its OTEL_*_EXPORTER variable
	accepted []string // the exporter names it accepts
}

var (
	sigTraces  = signal{"traces", "TRACES", "OTEL_TRACES_EXPORTER", []string{exporterOTLP, exporterConsole, exporterNone}}
	sigMetrics = signal{"metrics", "METRICS", "OTEL_METRICS_EXPORTER", []string{exporterOTLP, exporterPrometheus, exporterConsole, exporterNone}}
	sigLogs    = signal{"logs", "LOGS", "OTEL_LOGS_EXPORTER", []string{exporterOTLP, exporterConsole, exporterNone}}
	signals    = []signal{sigTraces, sigMetrics, sigLogs}
)

// env reads variables through a lookup function.
type env struct {
	lookup func(string) (string, bool)
}

// raw returns the value as set.
func (e env) raw(key string) string {
	v, _ := e.lookup(key)
	return v
}

// get returns the value with surrounding space removed, as the OTLP
// exporters read it.
func (e env) get(key string) string { return strings.TrimSpace(e.raw(key)) }

// plan is what Setup builds, decided from the environment.
type plan struct {
	fallback bool              // nothing configured: console view for all three
	exporter map[string]string // signal name -> exporter name
}

// sdkDisabled reads OTEL_SDK_DISABLED.
func (e env) sdkDisabled() (bool, error) {
	const key = "OTEL_SDK_DISABLED"
	v := e.get(key)
	switch {
	case v == "" || strings.EqualFold(v, "false"):
		return false, nil
	case strings.EqualFold(v, "true"):
		return true, nil
	}
	return false, &EnvError{Var: key, Value: e.raw(key), Problem: "not a boolean", Accepted: "true, false (any case), or unset"}
}

// plan validates the environment and decides each signal's exporter. All
// problems found are returned together.
func (e env) plan() (plan, error) {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	p := plan{exporter: map[string]string{}, fallback: !e.configured()}
	for _, s := range signals {
		name, err := e.exporterName(s)
		add(err)
		p.exporter[s.name] = name
	}
	add(e.checkProtocol("OTEL_EXPORTER_OTLP_PROTOCOL"))
	add(e.checkEndpoint("OTEL_EXPORTER_OTLP_ENDPOINT", e.protocol(signal{})))
	add(e.checkOTLPFamily(""))
	for _, s := range signals {
		pre := "OTEL_EXPORTER_OTLP_" + s.upper + "_"
		add(e.checkProtocol(pre + "PROTOCOL"))
		add(e.checkEndpoint(pre+"ENDPOINT", e.protocol(s)))
		add(e.checkOTLPFamily(s.upper + "_"))
	}
	for _, k := range []string{"OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT"} {
		add(e.checkInt(k, 1, "a positive integer number of milliseconds"))
	}
	for _, pre := range []string{"OTEL_BSP_", "OTEL_BLRP_"} {
		add(e.checkInt(pre+"SCHEDULE_DELAY", 0, "a non-negative integer number of milliseconds"))
		add(e.checkInt(pre+"EXPORT_TIMEOUT", 0, "a non-negative integer number of milliseconds"))
		add(e.checkInt(pre+"MAX_QUEUE_SIZE", 1, "a positive integer"))
		add(e.checkInt(pre+"MAX_EXPORT_BATCH_SIZE", 1, "a positive integer"))
	}
	for _, k := range limitVars {
		add(e.checkInt(k, -1, "an integer >= -1 (-1: no limit)"))
	}
	if p.exporter[sigMetrics.name] == exporterPrometheus {
		add(e.checkHost("OTEL_EXPORTER_PROMETHEUS_HOST"))
		add(e.checkPort("OTEL_EXPORTER_PROMETHEUS_PORT"))
	}
	_, err := parseResourceAttributes(e.raw(resourceAttributesKey))
	add(err)
	if p.fallback {
		for _, s := range signals {
			p.exporter[s.name] = exporterConsole
		}
	}
	return p, errors.Join(errs...)
}

// configured reports whether any exporter or endpoint variable is set; if
// none is, Setup falls back to the console view.
func (e env) configured() bool {
	keys := []string{"OTEL_EXPORTER_OTLP_ENDPOINT"}
	for _, s := range signals {
		keys = append(keys, s.exporter, "OTEL_EXPORTER_OTLP_"+s.upper+"_ENDPOINT")
	}
	for _, k := range keys {
		if e.get(k) != "" {
			return true
		}
	}
	return false
}

// exporterName validates the signal's OTEL_*_EXPORTER. autoexport matches
// the raw value exactly (no trimming, no lists), so this does too.
func (e env) exporterName(s signal) (string, error) {
	v := e.raw(s.exporter)
	if v == "" {
		return exporterOTLP, nil // the specification's default
	}
	for _, a := range s.accepted {
		if v == a {
			return v, nil
		}
	}
	problem := "unknown exporter"
	if strings.Contains(v, ",") {
		problem = "lists of exporters are not supported"
	} else if strings.TrimSpace(v) != v || strings.ToLower(v) != v {
		problem = "unknown exporter (names are lower case, without spaces)"
	}
	return "", &EnvError{Var: s.exporter, Value: v, Problem: problem, Accepted: strings.Join(s.accepted, ", ")}
}

// protocol returns the OTLP protocol the signal uses (s zero: the general
// variable only).
func (e env) protocol(s signal) string {
	if s.upper != "" {
		if v := e.get("OTEL_EXPORTER_OTLP_" + s.upper + "_PROTOCOL"); v != "" {
			return v
		}
	}
	if v := e.get("OTEL_EXPORTER_OTLP_PROTOCOL"); v != "" {
		return v
	}
	return protoHTTP
}

func (e env) checkProtocol(key string) error {
	// autoexport compares the raw value.
	v := e.raw(key)
	if v == "" || v == protoGRPC || v == protoHTTP {
		return nil
	}
	problem := "unknown OTLP protocol"
	if v == "http/json" {
		problem = "OTLP protocol not supported by autoexport"
	}
	return &EnvError{Var: key, Value: v, Problem: problem, Accepted: protoHTTP + " (default), " + protoGRPC}
}

// checkEndpoint accepts what the OTLP exporters turn into a working target:
// an http or https URL with a host; for gRPC also host:port and unix:
// targets.
func (e env) checkEndpoint(key, proto string) error {
	v := e.get(key)
	if v == "" {
		return nil
	}
	accepted := "a URL such as http://localhost:4318 or https://collector:4318"
	if proto == protoGRPC {
		accepted = "a URL such as http://localhost:4317 or https://collector:4317, host:port, or unix:///path"
	}
	bad := func(problem string) error {
		return &EnvError{Var: key, Value: redactURL(v), Problem: problem, Accepted: accepted}
	}
	if proto == protoGRPC {
		if host, port, err := net.SplitHostPort(v); err == nil && host != "" && validPort(port) {
			return nil
		}
	}
	if !strings.Contains(v, "://") && !strings.HasPrefix(v, "unix:") {
		return bad("endpoint has no scheme")
	}
	u, err := url.Parse(v)
	if err != nil {
		return bad("unparsable endpoint")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return bad("endpoint has no host")
		}
		if p := u.Port(); p != "" && !validPort(p) {
			return bad("endpoint has an invalid port")
		}
		return nil
	case "unix":
		if proto == protoGRPC {
			return nil
		}
	}
	return bad("unsupported endpoint scheme " + strconv.Quote(u.Scheme))
}

// checkOTLPFamily validates headers, insecure, timeout, compression and the
// TLS files of the general (sig "") or per-signal (sig "TRACES_") variables.
func (e env) checkOTLPFamily(sig string) error {
	pre := "OTEL_EXPORTER_OTLP_" + sig
	var errs []error
	errs = append(errs, e.checkHeaders(pre+"HEADERS"))
	if v := e.get(pre + "INSECURE"); v != "" && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		errs = append(errs, &EnvError{Var: pre + "INSECURE", Value: e.raw(pre + "INSECURE"), Problem: "not a boolean", Accepted: "true, false"})
	}
	errs = append(errs, e.checkInt(pre+"TIMEOUT", 0, "a non-negative integer number of milliseconds"))
	if v := e.get(pre + "COMPRESSION"); v != "" && v != "gzip" && v != "none" {
		errs = append(errs, &EnvError{Var: pre + "COMPRESSION", Value: e.raw(pre + "COMPRESSION"), Problem: "unknown compression", Accepted: "gzip, none"})
	}
	if path := e.get(pre + "CERTIFICATE"); path != "" {
		if pem, err := os.ReadFile(path); err != nil {
			errs = append(errs, &EnvError{Var: pre + "CERTIFICATE", Value: path, Problem: "cannot read file: " + errText(err), Accepted: "path of a readable PEM file of CA certificates"})
		} else if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			errs = append(errs, &EnvError{Var: pre + "CERTIFICATE", Value: path, Problem: "no PEM certificate in file", Accepted: "path of a readable PEM file of CA certificates"})
		}
	}
	ck, kk := pre+"CLIENT_CERTIFICATE", pre+"CLIENT_KEY"
	cert, key := e.get(ck), e.get(kk)
	switch {
	case cert != "" && key == "":
		errs = append(errs, &EnvError{Var: kk, Value: "", Problem: "missing while " + ck + " is set", Accepted: "path of the PEM private key for " + ck})
	case cert == "" && key != "":
		errs = append(errs, &EnvError{Var: ck, Value: "", Problem: "missing while " + kk + " is set", Accepted: "path of the PEM certificate for " + kk})
	case cert != "":
		if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
			// The error text of LoadX509KeyPair never includes key material.
			errs = append(errs, &EnvError{Var: ck, Value: cert, Problem: "unusable with " + kk + "=" + strconv.Quote(key) + ": " + errText(err), Accepted: "paths of a matching PEM certificate and private key"})
		}
	}
	return errors.Join(errs...)
}

// checkHeaders validates a headers variable as the OTLP exporters parse it
// (comma-separated key=value, values percent-encoded), silently dropping
// malformed entries. Values are never put in the error.
func (e env) checkHeaders(key string) error {
	v := e.get(key)
	if v == "" {
		return nil
	}
	const accepted = "comma-separated key=value pairs, keys HTTP tokens, values percent-encoded (values are not shown)"
	for i, entry := range strings.Split(v, ",") {
		n, val, found := strings.Cut(entry, "=")
		name := strings.TrimSpace(n)
		where := fmt.Sprintf("entry %d", i+1)
		if !found {
			// Without "=" the whole entry may be a secret: show nothing of it.
			return &EnvError{Var: key, Redacted: true, Problem: where + " has no '='", Accepted: accepted}
		}
		if !validHeaderKey(name) {
			return &EnvError{Var: key, Redacted: true, Problem: where + " has an invalid key (not shown: it may hold a secret)", Accepted: accepted}
		}
		if _, err := url.PathUnescape(val); err != nil {
			return &EnvError{Var: key, Redacted: true, Problem: where + " (key " + strconv.Quote(name) + ") has a value that is not valid percent-encoding", Accepted: accepted}
		}
	}
	return nil
}

func (e env) checkInt(key string, minimum int64, accepted string) error {
	v := e.get(key)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		return &EnvError{Var: key, Value: e.raw(key), Problem: "not an integer", Accepted: accepted}
	case n < minimum:
		return &EnvError{Var: key, Value: e.raw(key), Problem: "out of range", Accepted: accepted}
	}
	return nil
}

func (e env) checkPort(key string) error {
	if v := e.get(key); v != "" && !validPort(v) {
		return &EnvError{Var: key, Value: e.raw(key), Problem: "not a port number", Accepted: "an integer from 0 to 65535"}
	}
	return nil
}

// checkHost checks a host to listen on: an IP address or a DNS name (RFC
// 1123 labels, the last one not all digits, so "65536" is no name).
func (e env) checkHost(key string) error {
	if v := e.get(key); v != "" && !validHost(v) {
		return &EnvError{Var: key, Value: e.raw(key), Problem: "not a host name or IP address",
			Accepted: "an IP address (127.0.0.1, ::1) or a DNS name (localhost, metrics.internal)"}
	}
	return nil
}

func validHost(h string) bool {
	if net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")) != nil {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}

// validHeaderKey reports whether k is an HTTP token (RFC 9110), the rule the
// OTLP exporters apply.
func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}

// redactURL hides a password in a URL's user information and its query
// string, also in a URL that does not parse.
func redactURL(v string) string {
	if before, _, ok := strings.Cut(v, "?"); ok {
		return redactURL(before) + "?<redacted>"
	}
	u, err := url.Parse(v)
	if err == nil {
		if u.User == nil {
			return v
		}
		return u.Redacted()
	}
	// Unparsable: hide whatever follows "user:" in the authority.
	start := 0
	if i := strings.Index(v, "://"); i >= 0 {
		start = i + 3
	}
	end := len(v)
	if i := strings.IndexAny(v[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndex(v[start:end], "@")
	if at < 0 {
		return v
	}
	at += start
	if c := strings.Index(v[start:at], ":"); c >= 0 {
		return v[:start+c+1] + "xxxxx" + v[at:]
	}
	return v
}

// errText returns the error's message, with the *os.PathError operation
// spelled plainly.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// target describes where an OTLP signal goes, for messages: protocol and
// the URL the exporter really uses, as the OTLP exporters derive it (for
// http/protobuf the general endpoint's path joined with /v1/<signal>), so
// without user information, query string or fragment.
func (e env) target(s signal) string {
	proto := e.protocol(s)
	v, base := e.get("OTEL_EXPORTER_OTLP_"+s.upper+"_ENDPOINT"), false
	if v == "" {
		v, base = e.get("OTEL_EXPORTER_OTLP_ENDPOINT"), true
	}
	switch {
	case v == "" && proto == protoGRPC:
		return "otlp grpc localhost:4317 (default endpoint)"
	case v == "":
		return "otlp http/protobuf http://localhost:4318/v1/" + s.name + " (default endpoint)"
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		// A gRPC host:port or unix: target: the part before any query.
		v, _, _ = strings.Cut(redactURL(v), "?")
		return "otlp " + proto + " " + v
	}
	if proto == protoGRPC {
		return "otlp grpc " + u.Scheme + "://" + u.Host
	}
	p := u.Path
	if base {
		p = path.Join(p, "/v1/"+s.name)
	} else if p == "" {
		p = "/"
	}
	return "otlp " + proto + " " + u.Scheme + "://" + u.Host + p
}
