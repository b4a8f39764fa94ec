import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Health } from '../model/health.js';
import type { ContainerState } from '../model/actual-state.js';
import type { ProjectStatus, SyncState } from '../status/project-status.js';
import type { BuildInfo } from '../util/version.js';

export type PassResult = NonNullable<ProjectStatus['lastResult']>;
export type Outcome = 'ok' | 'failed';

/** What became of a webhook delivery; a bounded set whatever senders send (see webhookOutcome). */
export type WebhookOutcome =
  'accepted' | 'unauthenticated' | 'bad_request' | 'too_large' | 'timeout' | 'throttled' | 'error';

const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = [
  'accepted',
  'unauthenticated',
  'bad_request',
  'too_large',
  'timeout',
  'throttled',
  'error',
];

/** Pure: the outcome label for the HTTP status a delivery was answered with. */
export function webhookOutcome(status: number): WebhookOutcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 401 || status === 403) return 'unauthenticated';
  if (status === 413) return 'too_large';
  if (status === 408) return 'timeout';
  if (status === 429) return 'throttled';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'error';
}

/** Read at every scrape, so the gauges are never stale. */
export interface PassQueueStats {
  /** Projects waiting for a pass (woken, not yet started). */
  due: number;
  /** Projects whose pass runs now. */
  running: number;
}

const PASS_RESULTS: readonly PassResult[] = ['converged', 'applied', 'refused', 'failed', 'error'];
const CONTAINER_STATES: readonly ContainerState[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];

/**
 * The daemon's Prometheus metrics. Callers use these methods and never see label names, so a
 * typo cannot create a new series and every label stays bounded (project, result, kind...).
 */
export interface Metrics {
  /** The underlying registry, for tests or to add a collector; prefer the methods. */
  readonly registry: Registry;
  /** Zero-initialises a project's counters so rate() and alerts work from its first pass. */
  addProject(project: string, environment?: { project: string; name: string }): void;
  /** Drops a removed project's series (config reload); its counters restart if it comes back. */
  removeProject(project: string): void;
  observePass(project: string, result: PassResult, durationMs: number): void;
  countAction(project: string, kind: string, outcome: Outcome): void;
  countDriftRepairs(project: string, count?: number): void;
  /** One poll of the project's deploy branch; a failed poll also counts an error. */
  observeGitPoll(project: string, durationMs: number, outcome: Outcome): void;
  /** Managed containers of the project by engine state; states not given are set to 0. */
  setContainers(project: string, countsByState: Partial<Record<ContainerState, number>>): void;
  countCommitStatusDelivery(provider: string, outcome: Outcome): void;
  countRollback(project: string): void;
  /** The project's current sync and health as a 1-valued series (for "Degraded for 10m" alerts). */
  setProjectStatus(project: string, sync: SyncState, health: Health): void;
  /** A pass ended converged or applied at `at` (ms since the epoch), for "no success in 1h" alerts. */
  setLastSuccess(project: string, at: number): void;
  /** 1 while the project is suspended (config `suspended`, `spin suspend`), else 0. */
  setSuspended(project: string, suspended: boolean): void;
  countWebhook(outcome: WebhookOutcome): void;
  /** Whether the engine's last list or ping answered. */
  setEngineUp(engine: string, up: boolean): void;
  /** An engine log stream opened (+1) or closed (-1) for `spin logs` or the dashboard. */
  changeLogStreams(delta: number): void;
  /** Where spin_pass_queue_due and spin_passes_running are read at scrape time. */
  setPassQueueSource(source: () => PassQueueStats): void;
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /**
   * Process metrics (CPU, memory, event loop, GC) under prom-client's standard names
   * (process_cpu_seconds_total, nodejs_heap_size_total_bytes...), unprefixed so stock Node.js
   * dashboards work; only Spin's own metrics start with spin_.
   */
  defaultMetrics?: boolean;
  /** Exposed as spin_build_info{version,revision}. */
  build?: BuildInfo;
}

const SECONDS = 1000;

/**
 * How often the event-loop delay (nodejs_eventloop_lag_*) is sampled. prom-client's default, 10 ms,
 * arms a timer that wakes the daemon 100 times a second, even with nothing to do. On a 2-core host
 * busy with other work, those wake-ups were a fifth or more of the CPU of an idle poll (issue 13,
 * bench/README.md, "Session 11"). At 100 ms a stall of 100 ms or more is still always seen.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The latest per-project values, written into their gauges when /metrics is scraped. */
interface ProjectGauges {
  containers: Record<string, number | undefined>;
  containersSeen?: boolean;
  /**
   * States an engine newer than this code reported, not in CONTAINER_STATES: shown too, and kept
   * (at 0) once no container is in them.
   */
  extraStates: Set<string>;
  status?: { sync: SyncState; health: Health };
  lastSuccessMs?: number;
  suspended: boolean;
  suspendedSeen?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  // An own registry, not prom-client's global one: two daemons in one test process (or a library
  // user with their own metrics) must not collide on names.
  const registry = new Registry();
  if (options.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const reg = { registers: [registry] };

  const passDuration = new Histogram({
    name: 'spin_reconcile_duration_seconds',
    help: 'Duration of reconcile passes.',
    labelNames: ['project'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    ...reg,
  });
  const passes = new Counter({
    name: 'spin_reconcile_passes_total',
    help: 'Reconcile passes by result (converged, applied, refused, failed, error).',
    labelNames: ['project', 'result'] as const,
    ...reg,
  });
  const actions = new Counter({
    name: 'spin_actions_total',
    help: 'Engine actions taken by reconcile passes, by kind and outcome (ok, failed).',
    labelNames: ['project', 'kind', 'outcome'] as const,
    ...reg,
  });
  const driftRepairs = new Counter({
    name: 'spin_drift_repairs_total',
    help: 'Objects changed on the engine outside Spin and put back to the desired state.',
    labelNames: ['project'] as const,
    ...reg,
  });
  const gitPollDuration = new Histogram({
    name: 'spin_git_poll_duration_seconds',
    help: 'Duration of deploy-branch polls, including failed ones.',
    labelNames: ['project'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ...reg,
  });
  const gitPollErrors = new Counter({
    name: 'spin_git_poll_errors_total',
    help: 'Deploy-branch polls that failed.',
    labelNames: ['project'] as const,
    ...reg,
  });
  // The per-project gauges below hold the latest value in a plain map and are written at scrape
  // time: an idle pass of every project every few seconds then costs a map write, not a label
  // hash and series update per value (measured: a fifth of the daemon's idle-poll CPU).
  const current = new Map<string, ProjectGauges>();
  const currentOf = (project: string): ProjectGauges => {
    let gauges = current.get(project);
    if (!gauges)
      current.set(project, (gauges = { containers: {}, extraStates: new Set(), suspended: false }));
    return gauges;
  };
  new Gauge({
    name: 'spin_managed_containers',
    help: 'Containers Spin manages, by project and engine state.',
    labelNames: ['project', 'state'] as const,
    ...reg,
    collect() {
      this.reset();
      for (const [project, { containers, containersSeen, extraStates }] of current) {
        if (!containersSeen) continue;
        for (const state of CONTAINER_STATES) this.set({ project, state }, containers[state] ?? 0);
        for (const state of extraStates) this.set({ project, state }, containers[state] ?? 0);
      }
    },
  });
  const deliveries = new Counter({
    name: 'spin_commit_status_deliveries_total',
    help: 'Commit status deliveries to the forge or git notes, by provider and outcome (ok, failed).',
    labelNames: ['provider', 'result'] as const,
    ...reg,
  });
  // Environments (docs/environments.md) as a Prometheus info metric: join it on `project` to
  // group any per-project series by environment, e.g.
  // `spin_project_status * on(project) group_left(environment) spin_project_environment_info`.
  const environments = new Gauge({
    name: 'spin_project_environment_info',
    help: 'Always 1, for each environment of a project: project is its internal name (<project>--<env>), environment the environment, parent_project the configured project.',
    labelNames: ['project', 'environment', 'parent_project'] as const,
    ...reg,
  });
  const environmentOf = new Map<string, { project: string; name: string }>();
  const rollbacks = new Counter({
    name: 'spin_rollbacks_total',
    help: 'Rollbacks to an earlier good commit.',
    labelNames: ['project'] as const,
    ...reg,
  });
  new Gauge({
    name: 'spin_project_status',
    help: 'Always 1; the labels carry the project sync and health after the last pass.',
    labelNames: ['project', 'sync', 'health'] as const,
    ...reg,
    collect() {
      this.reset();
      for (const [project, { status }] of current) if (status) this.set({ project, ...status }, 1);
    },
  });
  new Gauge({
    name: 'spin_project_last_success_timestamp_seconds',
    help: 'When the last pass that ended converged or applied finished (Unix seconds).',
    labelNames: ['project'] as const,
    ...reg,
    collect() {
      this.reset();
      for (const [project, { lastSuccessMs }] of current)
        if (lastSuccessMs !== undefined) this.set({ project }, lastSuccessMs / SECONDS);
    },
  });
  new Gauge({
    name: 'spin_project_suspended',
    help: '1 while the project is suspended (no passes), else 0.',
    labelNames: ['project'] as const,
    ...reg,
    collect() {
      this.reset();
      for (const [project, { suspended, suspendedSeen }] of current)
        if (suspendedSeen) this.set({ project }, suspended ? 1 : 0);
    },
  });
  if (options.build !== undefined) {
    new Gauge({
      name: 'spin_build_info',
      help: 'Always 1; the labels are the running Spin version and the git commit it was built from.',
      labelNames: ['version', 'revision'] as const,
      ...reg,
    }).set({ version: options.build.version, revision: options.build.revision }, 1);
  }
  const webhooks = new Counter({
    name: 'spin_webhook_requests_total',
    help: 'Webhook deliveries by outcome (accepted, unauthenticated, bad_request, too_large, timeout, throttled, error).',
    labelNames: ['outcome'] as const,
    ...reg,
  });
  for (const outcome of WEBHOOK_OUTCOMES) webhooks.inc({ outcome }, 0);
  const engineUp = new Gauge({
    name: 'spin_engine_up',
    help: '1 when the engine answered its last list or ping, else 0; by configured engine.',
    labelNames: ['engine'] as const,
    ...reg,
  });
  const logStreams = new Gauge({
    name: 'spin_log_streams',
    help: 'Container log streams from the engine open now (spin logs, the dashboard).',
    ...reg,
  });
  let queueSource: (() => PassQueueStats) | undefined;
  new Gauge({
    name: 'spin_pass_queue_due',
    help: 'Projects woken and waiting for a pass to start.',
    ...reg,
    collect() {
      if (queueSource) this.set(queueSource().due);
    },
  });
  new Gauge({
    name: 'spin_passes_running',
    help: 'Projects whose reconcile pass runs now.',
    ...reg,
    collect() {
      if (queueSource) this.set(queueSource().running);
    },
  });

  // Label values seen per project, so removeProject can drop exactly the series that exist.
  const actionKeys = new Map<string, Set<string>>();

  return {
    registry,
    addProject(project, environment) {
      if (environment) {
        environmentOf.set(project, environment);
        environments.set({ project, environment: environment.name, parent_project: environment.project }, 1);
      }
      for (const result of PASS_RESULTS) passes.inc({ project, result }, 0);
      driftRepairs.inc({ project }, 0);
      gitPollErrors.inc({ project }, 0);
      rollbacks.inc({ project }, 0);
    },
    removeProject(project) {
      for (const result of PASS_RESULTS) passes.remove({ project, result });
      for (const key of actionKeys.get(project) ?? []) {
        const [kind = '', outcome = ''] = key.split('\0');
        actions.remove({ project, kind, outcome });
      }
      for (const metric of [passDuration, gitPollDuration, driftRepairs, gitPollErrors, rollbacks])
        metric.remove({ project });
      actionKeys.delete(project);
      current.delete(project);
      const environment = environmentOf.get(project);
      if (environment) {
        environments.remove({ project, environment: environment.name, parent_project: environment.project });
        environmentOf.delete(project);
      }
    },
    observePass(project, result, durationMs) {
      passDuration.observe({ project }, durationMs / SECONDS);
      passes.inc({ project, result });
    },
    countAction(project, kind, outcome) {
      let keys = actionKeys.get(project);
      if (!keys) actionKeys.set(project, (keys = new Set()));
      keys.add(`${kind}\0${outcome}`);
      actions.inc({ project, kind, outcome });
    },
    countDriftRepairs(project, count = 1) {
      driftRepairs.inc({ project }, count);
    },
    observeGitPoll(project, durationMs, outcome) {
      gitPollDuration.observe({ project }, durationMs / SECONDS);
      if (outcome === 'failed') gitPollErrors.inc({ project });
    },
    setContainers(project, countsByState) {
      const gauges = currentOf(project);
      gauges.containers = countsByState as Record<string, number | undefined>;
      gauges.containersSeen = true;
      for (const state in countsByState)
        if (!(CONTAINER_STATES as readonly string[]).includes(state)) gauges.extraStates.add(state);
    },
    countCommitStatusDelivery(provider, outcome) {
      deliveries.inc({ provider, result: outcome });
    },
    countRollback(project) {
      rollbacks.inc({ project });
    },
    setProjectStatus(project, sync, health) {
      currentOf(project).status = { sync, health };
    },
    setLastSuccess(project, at) {
      currentOf(project).lastSuccessMs = at;
    },
    setSuspended(project, suspended) {
      const gauges = currentOf(project);
      gauges.suspended = suspended;
      gauges.suspendedSeen = true;
    },
    countWebhook(outcome) {
      webhooks.inc({ outcome });
    },
    setEngineUp(engine, up) {
      engineUp.set({ engine }, up ? 1 : 0);
    },
    changeLogStreams(delta) {
      logStreams.inc(delta);
    },
    setPassQueueSource(source) {
      queueSource = source;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
