package exporters

import (
	"net"
	"net/url"
	"path"
	"slices"
	"strings"
)

// redacted stands for a part of a value that is never printed.
const redacted = "<redacted>"

// endpoint is an OTLP endpoint cut into the parts messages may print
// (scheme, authority: host and port, path) and the rest, which they never
// print (user information, query, fragment, and a part that does not parse
// as one of the printable ones: an opaque part, a bad host or port).
type endpoint struct {
	scheme, authority, path string // printable; authority "" if it is hidden
	hidden                  []string
	user, query, frag, bad  bool // which parts were hidden
}

// splitEndpoint cuts v (spaces trimmed) into an endpoint. It never fails:
// what is not recognised is hidden.
func splitEndpoint(v string) endpoint {
	var e endpoint
	rest := strings.TrimSpace(v)
	if s, r, ok := strings.Cut(rest, "://"); ok && validScheme(s) {
		e.scheme, rest = s, r
	}
	hide := func(s string) { e.hidden = append(e.hidden, s) }
	if r, f, ok := strings.Cut(rest, "#"); ok {
		rest, e.frag = r, true
		hide(f)
	}
	if r, q, ok := strings.Cut(rest, "?"); ok {
		rest, e.query = r, true
		hide(q)
	}
	e.authority = rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		e.authority, e.path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(e.authority, '@'); i >= 0 {
		e.user = true
		hide(e.authority[:i])
		e.authority = e.authority[i+1:]
	}
	if !validAuthority(e.authority) || strings.Contains(e.path, "@") {
		e.bad = true
		hide(e.authority + e.path)
		e.authority, e.path = "", ""
	}
	return e
}

// endpointText prints the endpoint v: scheme, host, port and path, every
// other part replaced by <redacted>. Every message and error that names an
// endpoint goes through it (or through [env.target], which builds on the
// same parts).
func endpointText(v string) string {
	e := splitEndpoint(v)
	var b strings.Builder
	if e.scheme != "" {
		b.WriteString(e.scheme + "://")
	}
	if e.user {
		b.WriteString(redacted + "@")
	}
	if e.bad {
		b.WriteString(redacted)
	}
	b.WriteString(e.authority + e.path)
	if e.query {
		b.WriteString("?" + redacted)
	}
	if e.frag {
		b.WriteString("#" + redacted)
	}
	return b.String()
}

func validScheme(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	return strings.Trim(strings.ToLower(s), "abcdefghijklmnopqrstuvwxyz0123456789+-.") == ""
}

// validAuthority reports whether a is empty (unix:///path), a host, or a
// host and a port.
func validAuthority(a string) bool {
	if strings.Count(a, "[") != strings.Count(a, "]") {
		return false
	}
	if a == "" || validHost(a) {
		return true
	}
	host, port, err := net.SplitHostPort(a)
	return err == nil && (host == "" || validHost(host)) && validPort(port)
}

// target describes where an OTLP signal goes, for messages: protocol and
// the URL the exporter really uses, as the OTLP exporters derive it (for
// http/protobuf the general endpoint's path joined with /v1/<signal>),
// without the parts they drop (user information, query, fragment).
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
	ep := splitEndpoint(v)
	scheme := strings.ToLower(ep.scheme)
	switch {
	case ep.bad || scheme != "http" && scheme != "https":
		return "otlp " + proto + " " + endpointText(v) // host:port, unix:
	case proto == protoGRPC:
		return "otlp grpc " + ep.scheme + "://" + ep.authority
	case base:
		return "otlp " + proto + " " + ep.scheme + "://" + ep.authority + path.Join(ep.path, "/v1/"+s.name)
	case ep.path == "":
		return "otlp " + proto + " " + ep.scheme + "://" + ep.authority + "/"
	}
	return "otlp " + proto + " " + ep.scheme + "://" + ep.authority + ep.path
}

// secrets returns a function replacing, wherever they appear, the values of
// the OTLP header variables and the hidden parts of the endpoint variables
// by <redacted>: the exporters' own errors print request URLs whole.
// Pieces shorter than 4 bytes are not replaced (they would mangle every
// message); a secret is longer.
func secrets(e env) func(string) string {
	var secrets []string
	add := func(raw string) {
		dec, err := url.PathUnescape(raw)
		if err != nil {
			dec = raw
		}
		parts := append([]string{raw, dec}, strings.Fields(dec)...)
		parts = append(parts, strings.Split(dec, ":")...) // user:password
		for _, s := range parts {
			if len(s) >= 4 {
				secrets = append(secrets, s)
			}
		}
	}
	for _, s := range append([]signal{{}}, signals[:]...) {
		pre := "OTEL_EXPORTER_OTLP_"
		if s.upper != "" {
			pre += s.upper + "_"
		}
		for entry := range strings.SplitSeq(e.get(pre+"HEADERS"), ",") {
			if _, v, ok := strings.Cut(entry, "="); ok {
				add(strings.TrimSpace(v))
			}
		}
		for _, h := range splitEndpoint(e.get(pre + "ENDPOINT")).hidden {
			add(h)
		}
	}
	if len(secrets) == 0 {
		return func(s string) string { return s }
	}
	// Longest first, so a value is replaced whole before its parts.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, redacted)
	}
	return strings.NewReplacer(pairs...).Replace
}
