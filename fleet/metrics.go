package fleet

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hdphone/hdphone/device"
)

// Metrics are a fleet's Prometheus metrics: phones by boot stage, lines by
// registration state and calls by state (read from the phones' snapshots at
// each scrape), step results, and a histogram of boot times. Each Metrics
// has its own registry, so that several fleets (tests) never collide.
type Metrics struct {
	reg      *prometheus.Registry
	bootTime prometheus.Histogram
	results  *prometheus.CounterVec
	fleet    *Fleet
}

// NewMetrics makes a fleet's metrics; Attach ties them to the fleet whose
// phones they describe.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.bootTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "hdphone_boot_seconds",
		Help:    "Time from power-on to the idle screen.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120},
	})
	m.results = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hdphone_step_results_total",
		Help: "Scenario step results by step and status (passed, failed, skipped).",
	}, []string{"step", "status"})
	m.reg.MustRegister(m.bootTime, m.results, (*stateCollector)(m))
	return m
}

// Attach makes the metrics describe fl's phones.
func (m *Metrics) Attach(fl *Fleet) { m.fleet = fl }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the metrics' registry (to gather them in tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) result(step string, s Status) {
	m.results.WithLabelValues(step, string(s)).Inc()
}

var (
	descStage = prometheus.NewDesc("hdphone_phones", "Phones by boot stage (off, link, …, idle).", []string{"stage"}, nil)
	descReg   = prometheus.NewDesc("hdphone_registrations", "Line 1 of each phone by registration state.", []string{"state"}, nil)
	descCalls = prometheus.NewDesc("hdphone_calls", "Calls by state.", []string{"state"}, nil)
	descNotes = prometheus.NewDesc("hdphone_notifications", "Phones showing a notification (LAN Link failure, …).", []string{"text"}, nil)
)

// stateCollector reads the phones' snapshots at scrape time: an atomic load
// per phone, no lock on any phone.
type stateCollector Metrics

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descStage
	ch <- descReg
	ch <- descCalls
	ch <- descNotes
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	stages := map[device.Stage]int{}
	for _, st := range append([]device.Stage{device.StageOff}, device.BootStages...) {
		stages[st] = 0
	}
	stages[device.StageIdle] = 0
	regs := map[device.RegState]int{device.RegRegistered: 0, device.RegRegistering: 0, device.RegFailed: 0, device.RegDisabled: 0}
	calls := map[device.CallState]int{device.CallCalling: 0, device.CallRinging: 0, device.CallIncoming: 0, device.CallConnected: 0, device.CallHeld: 0}
	notes := map[string]int{}
	if fl := c.fleet; fl != nil {
		for _, p := range fl.phones {
			if p.Device == nil {
				continue
			}
			s := p.Device.Snapshot()
			stages[s.Stage]++
			if len(s.Lines) > 0 {
				regs[s.Lines[0].State]++
			} else {
				regs[device.RegDisabled]++
			}
			for _, cl := range s.Calls {
				if cl.State != device.CallEnded && cl.State != device.CallDialing {
					calls[cl.State]++
				}
			}
			for _, n := range s.Notifications {
				notes[n.Text]++
			}
		}
	}
	for st, n := range stages {
		ch <- prometheus.MustNewConstMetric(descStage, prometheus.GaugeValue, float64(n), string(st))
	}
	for st, n := range regs {
		ch <- prometheus.MustNewConstMetric(descReg, prometheus.GaugeValue, float64(n), string(st))
	}
	for st, n := range calls {
		ch <- prometheus.MustNewConstMetric(descCalls, prometheus.GaugeValue, float64(n), string(st))
	}
	for t, n := range notes {
		ch <- prometheus.MustNewConstMetric(descNotes, prometheus.GaugeValue, float64(n), t)
	}
}
