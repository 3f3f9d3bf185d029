package exporters

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"golang.org/x/net/http/httpguts"
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
	i        int      // its index in signals and in every per-signal array
	name     string   // "traces", "metrics", "logs"
	upper    string   // "TRACES", ...
	exporter string   // its OTEL_*_EXPORTER variable
	accepted []string // the exporter names it accepts
}

var (
	sigTraces  = signal{0, "traces", "TRACES", "OTEL_TRACES_EXPORTER", []string{exporterOTLP, exporterConsole, exporterNone}}
	sigMetrics = signal{1, "metrics", "METRICS", "OTEL_METRICS_EXPORTER", []string{exporterOTLP, exporterPrometheus, exporterConsole, exporterNone}}
	sigLogs    = signal{2, "logs", "LOGS", "OTEL_LOGS_EXPORTER", []string{exporterOTLP, exporterConsole, exporterNone}}
	signals    = [3]signal{sigTraces, sigMetrics, sigLogs}
)

// EnvConsole is the variable that shows or hides the console view:
// auto (the default), on or off. See "Console" in the package documentation.
const EnvConsole = "OTELSTEP_CONSOLE"

// Values of EnvConsole.
const (
	consoleAuto = "auto"
	consoleOn   = "on"
	consoleOff  = "off"
)

const envPropagators = "OTEL_PROPAGATORS"

// env reads variables through a lookup function: os.LookupEnv in Setup, a
// map in unit tests. It is the package's one reader of the environment.
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

// int returns the integer value of the first of keys that is set and
// non-empty, as the SDK reads them.
func (e env) int(keys ...string) (int, bool) {
	for _, k := range keys {
		if v := e.get(k); v != "" {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
	}
	return 0, false
}

// plan is what Setup builds, decided from the environment.
type plan struct {
	exporter    [3]string // per signal: otlp, prometheus, console (the view only) or none
	console     string    // EnvConsole: auto, on or off
	fallback    bool      // nothing configured: the view for all three, unless off
	propagators []string  // OTEL_PROPAGATORS, as autoprop names them
	promBridge  bool      // OTEL_METRICS_PRODUCERS names prometheus
}

// beside reports whether the console view shows all three signals beside
// their exporters, given whether its writer is a terminal: when nothing is
// configured, when EnvConsole is on, or when it is auto and the writer is a
// terminal. (A signal whose exporter is console goes to the view anyway.)
func (p plan) beside(terminal bool) bool {
	return p.fallback && p.console != consoleOff || p.console == consoleOn || p.console == consoleAuto && terminal
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
	p := plan{fallback: !e.configured()}
	for _, s := range signals {
		name, err := e.exporterName(s)
		add(err)
		p.exporter[s.i] = name
	}
	p.console = strings.ToLower(e.get(EnvConsole))
	switch p.console {
	case "":
		p.console = consoleAuto
	case consoleAuto, consoleOn, consoleOff:
	default:
		add(&EnvError{Var: EnvConsole, Value: e.raw(EnvConsole), Problem: "unknown value", Accepted: "auto (default), on, off"})
	}
	var err error
	p.propagators, err = e.propagators()
	add(err)
	for name := range strings.SplitSeq(e.get("OTEL_METRICS_PRODUCERS"), ",") {
		switch name = strings.TrimSpace(name); name {
		case "prometheus":
			p.promBridge = true
		case "", "none":
		default:
			add(&EnvError{Var: "OTEL_METRICS_PRODUCERS", Value: e.raw("OTEL_METRICS_PRODUCERS"), Problem: "unknown producer " + strconv.Quote(name), Accepted: "prometheus, none"})
		}
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
	if p.exporter[sigMetrics.i] == exporterPrometheus {
		add(e.checkHost("OTEL_EXPORTER_PROMETHEUS_HOST"))
		add(e.checkPort("OTEL_EXPORTER_PROMETHEUS_PORT"))
	}
	_, err = parseResourceAttributes(e.raw(resourceAttributesKey))
	add(err)
	for _, s := range signals {
		switch {
		case p.console == consoleOff && p.exporter[s.i] == exporterConsole && !p.fallback:
			add(&EnvError{Var: EnvConsole, Value: e.raw(EnvConsole), Problem: s.exporter + " is console, which " + EnvConsole + "=off hides", Accepted: "auto, on, or another " + s.exporter})
		case p.fallback && p.console == consoleOff:
			p.exporter[s.i] = exporterNone
		case p.fallback:
			p.exporter[s.i] = exporterConsole
		}
	}
	return p, errors.Join(errs...)
}

// propagators returns the names OTEL_PROPAGATORS lists, spaces trimmed, or
// tracecontext and baggage when it is unset, after checking them with
// autoprop.
func (e env) propagators() ([]string, error) {
	v := e.get(envPropagators)
	if v == "" {
		return []string{"tracecontext", "baggage"}, nil
	}
	names := strings.Split(v, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	if _, err := autoprop.TextMapPropagator(names...); err != nil {
		return nil, &EnvError{Var: envPropagators, Value: e.raw(envPropagators), Problem: err.Error(),
			Accepted: "a comma-separated list of tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, or none"}
	}
	return names, nil
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
		return &EnvError{Var: key, Value: endpointText(v), Problem: problem, Accepted: accepted}
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
		if !httpguts.ValidHeaderFieldName(name) { // an HTTP token, as the OTLP exporters require
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

// errText returns the error's message, with the *os.PathError operation
// spelled plainly.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
