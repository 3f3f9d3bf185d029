package exporters

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestEndpointText(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:4318/base":                     "http://h:4318/base",
		" https://[::1]:4318 ":                   "https://[::1]:4318",
		"unix:///run/otel.sock":                  "unix:///run/otel.sock",
		"h:4317":                                 "h:4317",
		"http://u:PW@h:4318/b?token=T#F":         "http://<redacted>@h:4318/b?<redacted>#<redacted>",
		"TOKENUSER:PWSECRET@collector:4318":      "<redacted>@collector:4318",
		"http://TOKENUSER@collector:badport/":    "http://<redacted>@<redacted>",
		"http://[::1":                            "http://<redacted>",
		"mailto:SECRET":                          "<redacted>",
		"http://h/p@SECRET":                      "http://<redacted>",
		"TOKEN:SECRET":                           "<redacted>",
		"http://u:p%zz@h:4318":                   "http://<redacted>@h:4318",
		"http://h:4318/x?" + "a=1#b":             "http://h:4318/x?<redacted>#<redacted>",
		"grpc+unix://u@h:1":                      "grpc+unix://<redacted>@h:1",
		"1http://u:p@h":                          "<redacted>",
		"HTTP://H:4318/V1":                       "HTTP://H:4318/V1",
		"http://h:4318/a b":                      "http://h:4318/a b",
		"":                                       "",
		"http://user:SECRET/with/slash@h:4318/p": "http://<redacted>",
	} {
		if got := endpointText(in); got != want {
			t.Errorf("endpointText(%q) = %q, want %q", in, got, want)
		}
	}
}

// redactionCanary is the marked secret FuzzRedaction hides in a value.
const redactionCanary = "Zq7SeCrEtMarK"

// redactionForms are the places FuzzRedaction puts the canary, with the
// characters that would move it into another part of the value (a user
// name with a "/" is no user name) removed from what surrounds it. The
// endpoint forms all point at a closed port on 127.0.0.1 (%s).
var redactionForms = []struct {
	key, value string // value with %s for the address and @@ for the secret
	drop       string // characters dropped from the fuzzed surroundings
}{
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://@@@%s/", "/?#@[]\\"},                          // user name alone
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:@@@%s", "/?#@[]\\"},                      // password
	{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://%s/v1/traces?@@", "#"},                 // query
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://%s/#@@", ""},                                  // fragment
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "@@:PWSECRET@%s", "/?#@[]\\"},                         // no scheme: TOKENUSER read as one
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "TOKENUSER:@@@%s", "/?#@[]\\"},                        // no scheme, password
	{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://@@@127.0.0.1:badport/", "/?#@[]\\"},      // user name, bad port
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "mailto:@@", "/?#@[]\\"},                              // opaque part
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://[@@", "/?#@]\\"},                              // does not parse
	{"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20@@,x-tenant=acme", ",="},       // header value
	{"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "api-key=@@", ","},                             // per-signal header
	{"OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=@@,broken", ","},                            // malformed headers
	{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://u:@@@%s/v1/metrics?k=@@", "/?#@[]\\"}, // twice
}

// FuzzRedaction puts a marked secret in every part of an endpoint or header
// value that is never printed (user name, password, query, fragment, an
// opaque part, a value that does not parse, a header value), surrounded by
// fuzzed text, and runs the validation, Setup, an export to a closed port
// on 127.0.0.1 and Shutdown: no error, console line or summary may show it.
func FuzzRedaction(f *testing.F) {
	for i := range redactionForms {
		f.Add(uint8(i), "", "")
		f.Add(uint8(i), "x", "%41é ")
	}
	f.Add(uint8(1), "p%zz", "")
	f.Add(uint8(2), "token=", "&next=http://evil/")
	f.Add(uint8(9), "", "%20more")
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // a closed port: exports fail at once, and say where to
	f.Fuzz(func(t *testing.T, form uint8, before, after string) {
		fm := redactionForms[int(form)%len(redactionForms)]
		clean := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f || strings.ContainsRune(fm.drop, r) {
					return -1
				}
				return r
			}, s)
		}
		secret := clean(before) + redactionCanary + clean(after)
		value := strings.ReplaceAll(strings.Replace(fm.value, "%s", addr, 1), "@@", secret)
		env := map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "100", fm.key: value}
		if !strings.Contains(fm.key, "ENDPOINT") {
			env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://" + addr
		}
		e := env2(env)
		var outputs []string
		if strings.Contains(fm.key, "ENDPOINT") {
			outputs = append(outputs, endpointText(value))
		}
		for _, s := range signals {
			outputs = append(outputs, e.target(s))
		}
		_, err := e.plan()
		if err != nil { // Setup returns the same error
			outputs = append(outputs, err.Error())
		} else {
			// Valid: every endpoint is on 127.0.0.1 (the secret is never
			// in the host), and exports fail there, printing their URL.
			opt := testEnv(t, env)
			assertLoopbackOnly(t)
			var console syncBuffer
			p, err := Setup(context.Background(), opt, WithConsole(&console))
			if err == nil {
				emitSpansLogs(context.Background(), p, 1)
				err = shutdownWithin(t, p, time.Second)
			}
			if err != nil {
				outputs = append(outputs, err.Error())
			}
			outputs = append(outputs, console.String())
		}
		for _, out := range outputs {
			if strings.Contains(out, redactionCanary) {
				t.Fatalf("%s=%q: the secret is printed: %s", fm.key, value, out)
			}
		}
	})
}

// env2 is an env over m.
func env2(m map[string]string) env { return env{lookup: mapEnv(m)} }
