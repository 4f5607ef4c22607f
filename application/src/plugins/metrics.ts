import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ConflictCode, LedgerObserver, Outcome } from '../fabric/ledger';
import type { SchedulerObserver, SchedulerStep } from '../operator/scheduler';

/** Prometheus metrics of one gateway instance (its own registry, so tests can run several). */
export class GatewayMetrics implements LedgerObserver, SchedulerObserver {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'gridshare_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly fabricDuration = new Histogram({
    name: 'gridshare_fabric_transaction_duration_seconds',
    help: 'Latency of evaluate and submit (endorse + order + commit) by transaction and outcome',
    labelNames: ['kind', 'transaction', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    registers: [this.registry],
  });
  readonly fabricOutcomes = new Counter({
    name: 'gridshare_fabric_transactions_total',
    help: 'Evaluated and submitted transactions by outcome',
    labelNames: ['kind', 'transaction', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly conflictRetries = new Counter({
    name: 'gridshare_fabric_conflict_retries_total',
    help: 'Transactions resubmitted after an MVCC or phantom read conflict, or endorsed again after the peers disagreed (ENDORSEMENT_MISMATCH), by code',
    labelNames: ['transaction', 'code'] as const,
    registers: [this.registry],
  });

  readonly commitStatusRepolls = new Counter({
    name: 'gridshare_fabric_commit_status_repolls_total',
    help: 'Commit statuses asked for again (same transaction ID) after their deadline passed',
    labelNames: ['transaction'] as const,
    registers: [this.registry],
  });

  readonly peerCommitsUnconfirmed = new Counter({
    name: 'gridshare_fabric_peer_commit_unconfirmed_total',
    help: "Committed transactions (own peer VALID) that another organization's peer did not confirm within the commit wait",
    labelNames: ['transaction', 'peer'] as const,
    registers: [this.registry],
  });

  readonly operatorStepFailures = new Counter({
    name: 'gridshare_operator_step_failures_total',
    help: 'Operator scheduler steps that failed and will be tried again, by step and error code',
    labelNames: ['step', 'code'] as const,
    registers: [this.registry],
  });

  readonly operatorBacklogIntervals = new Gauge({
    name: 'gridshare_operator_backlog_intervals',
    help: 'Intervals older than the operator scheduler lookback window that are not yet known settled',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gridshare_' });
  }

  transaction(kind: 'evaluate' | 'submit', name: string, outcome: Outcome, seconds: number): void {
    this.fabricDuration.observe({ kind, transaction: name, outcome }, seconds);
    this.fabricOutcomes.inc({ kind, transaction: name, outcome });
  }

  conflictRetry(name: string, code: ConflictCode): void {
    this.conflictRetries.inc({ transaction: name, code });
  }

  commitStatusRepoll(name: string): void {
    this.commitStatusRepolls.inc({ transaction: name });
  }

  operatorStepFailed(step: SchedulerStep, code: string): void {
    this.operatorStepFailures.inc({ step, code });
  }

  operatorBacklog(intervals: number): void {
    this.operatorBacklogIntervals.set(intervals);
  }

  peerCommitUnconfirmed(name: string, peerMspId: string): void {
    this.peerCommitsUnconfirmed.inc({ transaction: name, peer: peerMspId });
  }
}

/** Times every request under its route pattern (not its URL, which would explode cardinality). */
export const metricsPlugin = fp<{ metrics: GatewayMetrics }>(async (app, { metrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
});
