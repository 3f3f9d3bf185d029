package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

// countingLogsReceiver is an OTLP/HTTP logs endpoint for bursts: instead of
// keeping every record (the shared logsReceiver does), it counts, for one
// service, the records per step number, split into step-start events
// (event name otelstep.step) and step messages (body "Step N: ...").
type countingLogsReceiver struct {
	srv     *httptest.Server
	service string

	mu       sync.Mutex
	starts   []int32 // starts[n]: step-start records of step n
	messages []int32 // messages[n]: message records of step n
	total    int     // records of the service, counted or not
	odd      []string
	errs     []string
	requests int
}

func startCountingLogsReceiver(service string, steps int) *countingLogsReceiver {
	r := &countingLogsReceiver{
		service:  service,
		starts:   make([]int32, steps+1),
		messages: make([]int32, steps+1),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /otlp/v1/logs", r.handle)
	r.srv = httptest.NewServer(mux)
	return r
}

// URL is the base URL to give Jaeger as JAEGER_LOGS_ENDPOINT.
func (r *countingLogsReceiver) URL() string { return r.srv.URL + "/otlp" }

// Close stops the server.
func (r *countingLogsReceiver) Close() { r.srv.Close() }

func (r *countingLogsReceiver) handle(w http.ResponseWriter, req *http.Request) {
	msg, err := decodeLogs(req)
	if err != nil {
		r.fail(w, err)
		return
	}
	r.mu.Lock()
	r.requests++
	for _, rl := range msg.GetResourceLogs() {
		service := ""
		for _, kv := range rl.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		if service != r.service {
			continue
		}
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				r.total++
				n := int64(-1)
				for _, kv := range lr.GetAttributes() {
					if kv.GetKey() == "otelstep.step.number" {
						n = kv.GetValue().GetIntValue()
					}
				}
				bodyText := lr.GetBody().GetStringValue()
				switch {
				case n < 1 || n >= int64(len(r.starts)):
					r.oddf("record with step number %d: %q", n, bodyText)
				case lr.GetEventName() == "otelstep.step":
					r.starts[n]++
				case strings.HasPrefix(bodyText, fmt.Sprintf("Step %d: ", n)):
					r.messages[n]++
				default:
					r.oddf("record of step %d with body %q, event %q", n, bodyText, lr.GetEventName())
				}
			}
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&collogspb.ExportLogsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// oddf remembers the first few unexpected records (r.mu held).
func (r *countingLogsReceiver) oddf(format string, args ...any) {
	if len(r.odd) < 10 {
		r.odd = append(r.odd, fmt.Sprintf(format, args...))
	}
}

func (r *countingLogsReceiver) fail(w http.ResponseWriter, err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err.Error())
	r.mu.Unlock()
	http.Error(w, err.Error(), http.StatusBadRequest)
}

// received returns how many records of the service arrived so far.
func (r *countingLogsReceiver) received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// check compares what arrived with exactly one step-start record and one
// message per step 1..steps, and returns every difference (the first few of
// each kind).
func (r *countingLogsReceiver) check(steps int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var probs []string
	for _, kind := range []struct {
		name   string
		counts []int32
	}{{"step-start records", r.starts}, {"message records", r.messages}} {
		missing, dup := 0, 0
		var ex []string
		for n := 1; n <= steps; n++ {
			c := kind.counts[n]
			if c == 1 {
				continue
			}
			if c == 0 {
				missing++
			} else {
				dup++
			}
			if len(ex) < 5 {
				ex = append(ex, fmt.Sprintf("step %d: %d", n, c))
			}
		}
		if missing+dup > 0 {
			probs = append(probs, fmt.Sprintf("%s: %d steps missing, %d steps duplicated, e.g. %s",
				kind.name, missing, dup, strings.Join(ex, ", ")))
		}
	}
	if want := 2 * steps; r.total != want {
		probs = append(probs, fmt.Sprintf("%d log records of %s, want exactly %d", r.total, r.service, want))
	}
	for _, o := range r.odd {
		probs = append(probs, "unexpected: "+o)
	}
	for _, e := range r.errs {
		probs = append(probs, "receiver error: "+e)
	}
	return probs
}
