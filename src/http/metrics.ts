import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client';

/** Prometheus metrics of one app (its own registry, so several apps in one process don't collide). */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'sessions_gateway_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'sessions_gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  private readonly waits = new Counter({ name: 'sessions_gateway_waits_ended_total', help: 'Waits ended, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  private readonly smtp = new Counter({ name: 'sessions_gateway_smtp_messages_total', help: 'SMTP messages by result', labelNames: ['result'], registers: [this.registry] });
  private readonly limits = new Counter({
    name: 'sessions_gateway_limits_hit_total',
    help: 'Requests and messages refused or cut by a resource bound, by bound',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  /** Label sets are few (method × route × status); their children are looked up once, not hashed per request. */
  private readonly children = new Map<string, { count: () => void; time: (seconds: number) => void }>();

  constructor(db: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sessions_gateway_' });
    new Counter({
      name: 'sessions_gateway_sql_statements_total',
      help: 'SQL statements sent to the database',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(db.statements.count);
      },
    });
  }

  waitEnded(outcome: 'completed' | 'timed_out' | 'canceled', count = 1): void {
    if (count > 0) this.waits.inc({ outcome }, count);
  }

  smtpMessage(result: 'accepted' | 'refused'): void {
    this.smtp.inc({ result });
  }

  /** A bound refused or cut something (see README, "Bounds"). */
  limitHit(limit: string): void {
    this.limits.inc({ limit });
  }

  /** Counts and times one finished request, by its route pattern. */
  request(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.children.get(key);
    if (!child) {
      const counter = this.requests.labels(method, route, String(status));
      const histogram = this.latency.labels(method, route);
      child = { count: () => counter.inc(), time: (s) => histogram.observe(s) };
      this.children.set(key, child);
    }
    child.count();
    child.time(seconds);
  }
}
