package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// storeCollector reads the database's figures when /metrics is scraped:
// one DeliveryBacklog query (three index probes) and the pools' counters,
// which cost nothing. A scrape every 15 s on every node is a few queries
// a minute.
type storeCollector struct{ m *Metrics }

var (
	pendingDesc = prometheus.NewDesc("orderhub_deliveries_pending",
		"Deliveries waiting to be sent or retried (the whole database, every node's).", nil, nil)
	deadDesc = prometheus.NewDesc("orderhub_deliveries_dead",
		"Dead-lettered deliveries kept (until --retain-dead): each needs a replay or a decision.", nil, nil)
	outboxLagDesc = prometheus.NewDesc("orderhub_outbox_lag_seconds",
		"Age of the oldest event not yet fanned out into deliveries; 0 when the outbox is empty.", nil, nil)
	poolLabels     = []string{"pool"}
	poolMaxDesc    = prometheus.NewDesc("orderhub_db_connections_max", "Most connections the pool may open.", poolLabels, nil)
	poolOpenDesc   = prometheus.NewDesc("orderhub_db_connections_open", "Connections open, in use or idle.", poolLabels, nil)
	poolInUseDesc  = prometheus.NewDesc("orderhub_db_connections_in_use", "Connections in use.", poolLabels, nil)
	poolIdleDesc   = prometheus.NewDesc("orderhub_db_connections_idle", "Idle connections.", poolLabels, nil)
	poolWaitDesc   = prometheus.NewDesc("orderhub_db_waits_total", "Times a query waited for a connection of the pool.", poolLabels, nil)
	poolWaitedDesc = prometheus.NewDesc("orderhub_db_wait_seconds_total", "Time spent waiting for a connection of the pool.", poolLabels, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{pendingDesc, deadDesc, outboxLagDesc,
		poolMaxDesc, poolOpenDesc, poolInUseDesc, poolIdleDesc, poolWaitDesc, poolWaitedDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	p := c.m.source.Load()
	if p == nil {
		return
	}
	src := *p
	for _, s := range src.PoolStats() {
		ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(s.MaxOpenConnections), s.Pool)
		ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(s.OpenConnections), s.Pool)
		ch <- prometheus.MustNewConstMetric(poolInUseDesc, prometheus.GaugeValue, float64(s.InUse), s.Pool)
		ch <- prometheus.MustNewConstMetric(poolIdleDesc, prometheus.GaugeValue, float64(s.Idle), s.Pool)
		ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, float64(s.WaitCount), s.Pool)
		ch <- prometheus.MustNewConstMetric(poolWaitedDesc, prometheus.CounterValue, s.WaitDuration.Seconds(), s.Pool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := src.DeliveryBacklog(ctx)
	if err != nil {
		// The scrape goes on without these three (promhttp logs it).
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
		return
	}
	lag := 0.0
	if b.OldestUndispatched != nil {
		lag = max(time.Since(*b.OldestUndispatched).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(b.Pending))
	ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(b.Dead))
	ch <- prometheus.MustNewConstMetric(outboxLagDesc, prometheus.GaugeValue, lag)
}
