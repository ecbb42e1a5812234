import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** All Prometheus metrics of one process, on its own registry (no global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "paperboy_" });
  return {
    registry,
    deliveries: new Counter({
      name: "paperboy_deliveries_total",
      help: "Deliveries that reached a final state (sent, skipped, failed, cancelled), by status, counted in Postgres at scrape time: every worker and `paperboy digest` run.",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    sendDuration: new Histogram({
      name: "paperboy_send_duration_seconds",
      help: "Time from handing a digest to SMTP to the server's acceptance.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    sendQueuePaused: new Gauge({
      name: "paperboy_send_queue_paused",
      help: "1 while the send queue is paused after consecutive failures.",
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "paperboy_queue_jobs",
      help: "Jobs per queue and state.",
      labelNames: ["queue", "state"] as const,
      registers: [registry],
    }),
    papersIngested: new Counter({
      name: "paperboy_papers_ingested_total",
      help: "Papers processed by ingestion, by outcome (inserted, updated, unchanged, rejected).",
      labelNames: ["source", "outcome"] as const,
      registers: [registry],
    }),
    composeFailures: new Counter({
      name: "paperboy_compose_failures_total",
      help: "Digests that could not be composed for their reader (each logged with the reason).",
      registers: [registry],
    }),
    mailsSent: new Counter({
      name: "paperboy_mails_sent_total",
      help: "Mails accepted by the SMTP server (or outbox), by kind (digest, confirmation, welcome, links), counted in Postgres at scrape time.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    deliveriesOpen: new Gauge({
      name: "paperboy_deliveries_open",
      help: "Deliveries not final yet (pending, sending), from Postgres at scrape time.",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    subscribers: new Gauge({
      name: "paperboy_subscribers",
      help: "Readers by status, from Postgres at scrape time.",
      labelNames: ["status"] as const,
      registers: [registry],
    }),
    papers: new Gauge({
      name: "paperboy_papers",
      help: "Papers stored, by source, from Postgres at scrape time.",
      labelNames: ["source"] as const,
      registers: [registry],
    }),
    lastIngest: new Gauge({
      name: "paperboy_last_ingest_timestamp_seconds",
      help: "When any process last ingested papers (Unix seconds), from Postgres at scrape time.",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
