import type { Daemon } from '../daemon/daemon.js';
import type { Driver } from '../drivers/driver.js';
import { webhookOutcome, type Metrics } from '../metrics/registry.js';
import type { HistoryStore } from '../store/history-store.js';
import {
  DASHBOARD_HEADERS,
  renderNotFound,
  renderProjectList,
  renderProjectPage,
} from '../dashboard/index.js';
import type { WebhookProvider, WebhookTrigger } from '../webhooks/index.js';
import type { Logger } from '../util/logger.js';
import { WebhookSecrets } from './webhook-secrets.js';
import { allProjects, anyProject, onProject, type Caller } from './route-access.js';
import type { Route } from './route.js';
import { secretRoutes } from './secret-routes.js';
import { errorReply, json, type Reply } from './http.js';
import { InFlightLimit } from './in-flight-limit.js';
import { parseLogQuery } from './log-query.js';
import { lastLinesByService, selectContainers, streamProjectLogs } from './project-logs.js';
import { DEFAULT_WEBHOOK_LIMITS, webhookEndpoint, type WebhookLimits } from './webhook-endpoint.js';
import type { ActualContainer } from '../model/actual-state.js';
import { summarisePlan } from '../reconciler/plan.js';
import { buildTimeline } from '../daemon/timeline.js';
import { promote } from '../daemon/promote.js';
import { buildInfo } from '../util/version.js';

export interface ApiDeps {
  daemon: Daemon;
  store: HistoryStore;
  metrics: Metrics;
  /** Called for webhook pushes to non-deploy refs (reviewers' previews). */
  onPreview?(trigger: WebhookTrigger): void;
}

export type { Route } from './route.js';

export interface RouteOptions {
  log: Logger;
  /** How long a replaced webhookSecretFile secret still verifies deliveries (api.tokenOverlap). */
  secretOverlapMs?: number;
  webhookLimits?: WebhookLimits;
}

const DEFAULT_OVERLAP_MS = 5 * 60_000;
/**
 * Log requests served at once: each holds an engine connection per container for as long as
 * its client follows. Enough for every researcher of a centre watching a few services.
 */
const MAX_LOG_REQUESTS = 32;
/** The dashboard shows this many last lines per service, read within this long. */
const DASHBOARD_LOG_LINES = 10;
const DASHBOARD_LOG_TIMEOUT_MS = 2_000;

const NAME = '([a-z0-9][a-z0-9-]*)';

/** The daemon's HTTP surface, one table: probes, JSON API, dashboard pages, metrics, webhooks. */
export function buildRoutes(deps: ApiDeps, options: RouteOptions): Route[] {
  const { daemon, store, metrics } = deps;
  const project = (name: string | undefined) => (name ? daemon.status(name) : undefined);
  const unknown = (name: string | undefined) => errorReply(404, `unknown project '${name}'`);
  const secrets = new WebhookSecrets(options.secretOverlapMs ?? DEFAULT_OVERLAP_MS, options.log);
  const hooks = webhookEndpoint(
    {
      projects: () =>
        daemon.projectNames().flatMap((n) => {
          const p = daemon.project(n)?.config;
          if (!p) return [];
          const repoUrl = p.repo.kind === 'http' ? p.repo.url : `file://${p.repo.path}`;
          const [secret, previousSecret] = secrets.accepted(n, p.webhookSecret, p.webhookSecretFile);
          return [{ name: n, repoUrl, branch: p.branch, secret, previousSecret }];
        }),
      deploy: (name) => daemon.trigger(name),
      preview: (trigger) => deps.onPreview?.(trigger),
      onAnswered: (status) => metrics.countWebhook(webhookOutcome(status)),
      log: options.log,
    },
    options.webhookLimits ?? DEFAULT_WEBHOOK_LIMITS,
  );
  const visible = (caller: Caller) => daemon.allStatuses().filter((s) => caller.sees(s.project));
  const logRequests = new InFlightLimit(MAX_LOG_REQUESTS);
  // Logs come from the engine the project runs on; a project removed meanwhile has none.
  const logsOf = (name: string): Pick<Driver, 'logs'> =>
    daemon.driverOf(name) ?? {
      logs: () => {
        throw new Error(`unknown project '${name}'`);
      },
    };
  const html = (status: number, body: string): Reply => ({
    status,
    body,
    raw: true,
    headers: { ...DASHBOARD_HEADERS },
  });

  return [
    {
      method: 'GET',
      pattern: /^\/healthz$/,
      access: 'probe',
      handle: async () => json(200, { status: 'ok' }),
    },
    {
      method: 'GET',
      pattern: /^\/readyz$/,
      access: 'probe',
      handle: async () => {
        // Each engine's answer; the daemon is ready while any answers, since one engine down
        // affects only its own projects (they say EngineUnavailable) and the others go on.
        const engines = await daemon.pingEngines();
        const answers = Object.values(engines);
        const down = Object.entries(engines).filter(([, answer]) => answer !== 'ok');
        const engine =
          down.length === 0 ? 'ok' : down.map(([name, answer]) => `${name}: ${answer}`).join('; ');
        const history = store.ping() ? 'ok' : 'unavailable';
        const ready = answers.includes('ok') && history === 'ok';
        return json(ready ? 200 : 503, {
          status: ready ? 'ready' : 'not ready',
          engine,
          engines,
          store: history,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      // Every project's series: for tokens over all projects (the daemon-wide read token included).
      access: allProjects('read'),
      handle: async () => {
        const { contentType, body } = await metrics.render();
        return { status: 200, body, raw: true, headers: { 'content-type': contentType } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/version$/,
      access: anyProject('read'),
      handle: async () => json(200, buildInfo()),
    },
    {
      method: 'GET',
      pattern: /^\/$/,
      access: anyProject('read'),
      browser: true,
      handle: async (_req, _params, _url, _body, caller) =>
        html(200, renderProjectList(visible(caller), { now: Date.now(), scoped: !caller.seesAll })),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/projects/${NAME}$`),
      access: onProject('read'),
      browser: true,
      handle: async (_req, [name]) => {
        const status = project(name);
        if (!status || !name) return html(404, renderNotFound(name ?? ''));
        const last = daemon.lastActions(name);
        const plan = last ? { summary: summarisePlan(last.actions), actions: last.actions } : undefined;
        // Only when the head is not what runs: a converged project's page costs no gate run.
        const diff =
          status.desiredCommit && status.desiredCommit !== status.appliedCommit
            ? await daemon.diffNow(name).then(
                (d) => d.services,
                () => undefined,
              )
            : undefined;
        const logs = await lastLinesByService(
          { project: name, driver: logsOf(name), containers: () => daemon.containers(name) },
          DASHBOARD_LOG_LINES,
          DASHBOARD_LOG_TIMEOUT_MS,
        );
        return html(
          200,
          renderProjectPage(
            status,
            containerViews(daemon.containers(name)),
            store.listPasses(name, { limit: 20 }),
            plan,
            {
              now: Date.now(),
              events: store.listEvents(name, 20),
              diff,
              logs,
            },
          ),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/projects$/,
      access: anyProject('read'),
      handle: async (_req, _params, _url, _body, caller) => json(200, { projects: visible(caller) }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}$`),
      access: onProject('read'),
      handle: async (_req, [name]) => {
        const status = project(name);
        if (!status || !name) return unknown(name);
        return json(200, { status, containers: containerViews(daemon.containers(name)) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/containers$`),
      access: onProject('read'),
      handle: async (_req, [name]) =>
        project(name) && name
          ? json(200, { containers: containerViews(daemon.containers(name)) })
          : unknown(name),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/history$`),
      access: onProject('read'),
      handle: async (_req, [name], url) => {
        if (!project(name) || !name) return unknown(name);
        const limit = clampInt(url.searchParams.get('limit'), 50, 1, 500);
        const before = url.searchParams.get('before');
        const passes = store.listPasses(name, { limit, before: before ? Number(before) : undefined });
        return json(200, {
          passes,
          events: store.listEvents(name, limit),
          goodCommits: store.lastGoodCommits(name, 20),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/plan$`),
      access: onProject('read'),
      handle: async (_req, [name]) => {
        if (!project(name) || !name) return unknown(name);
        const plan = await daemon.planNow(name);
        return json(200, { ...plan, counts: summarisePlan(plan.actions) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/diff$`),
      access: onProject('read'),
      handle: async (_req, [name]) => {
        if (!project(name) || !name) return unknown(name);
        return json(200, await daemon.diffNow(name));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/events$`),
      access: onProject('read'),
      handle: async (_req, [name], url) => {
        if (!project(name) || !name) return unknown(name);
        const limit = clampInt(url.searchParams.get('limit'), 100, 1, 500);
        const timeline = buildTimeline(
          store.listPasses(name, { limit }),
          store.listEvents(name, limit),
          daemon.engineEventsOf(name),
          limit,
        );
        return json(200, { events: timeline });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/logs$`),
      access: onProject('read'),
      handle: async (_req, [name], url) => {
        if (!project(name) || !name) return unknown(name);
        const query = parseLogQuery(url.searchParams, Date.now());
        if ('error' in query) return errorReply(400, query.error);
        const containers = () => daemon.containers(name);
        if (!query.follow && selectContainers(containers(), query).length === 0) {
          const what = query.service ? `service '${query.service}'` : 'this project';
          return errorReply(
            404,
            `no container of ${what}${query.replica ? ` replica ${query.replica}` : ''}`,
          );
        }
        if (!logRequests.tryEnter()) {
          return errorReply(
            429,
            `too many log requests in flight (at most ${MAX_LOG_REQUESTS}); retry later`,
          );
        }
        return {
          status: 200,
          body: undefined,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          stream: (write, signal) =>
            streamProjectLogs(
              {
                project: name,
                driver: logsOf(name),
                containers,
                onStream: (delta) => metrics.changeLogStreams(delta),
              },
              query,
              write,
              signal,
            ).finally(() => logRequests.leave()),
        };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/sync$`),
      access: onProject('operate'),
      handle: async (_req, [name]) => {
        if (!project(name) || !name) return unknown(name);
        const outcome = await daemon.syncNow(name);
        return json(200, { status: outcome.status, actions: outcome.actions.length });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/(suspend|resume)$`),
      access: onProject('operate'),
      handle: async (_req, [name, verb]) => {
        if (!project(name) || !name) return unknown(name);
        const status = await daemon.setSuspended(name, verb === 'suspend');
        store.recordEvent(
          name,
          verb === 'suspend' ? 'suspended' : 'resumed',
          `reconciling ${verb === 'suspend' ? 'suspended' : 'resumed'} through the API`,
        );
        return json(200, { status });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/rollback$`),
      access: onProject('operate'),
      handle: async (_req, [name], _url, body) => {
        const status = project(name);
        if (!status || !name) return unknown(name);
        if (body.commit !== undefined && typeof body.commit !== 'string') {
          return errorReply(400, 'commit must be a string (a sha or a prefix of at least 7 characters)');
        }
        const wanted = body.commit || undefined;
        const good = store.lastGoodCommits(name, 50).map((g) => g.commit);
        const target = wanted
          ? good.find((c) => c === wanted || (wanted.length >= 7 && c.startsWith(wanted)))
          : good.find((c) => c !== status.appliedCommit);
        if (!target) {
          return errorReply(
            409,
            wanted
              ? `commit ${wanted} was never deployed healthy here; known good: ${
                  good
                    .slice(0, 5)
                    .map((c) => c.slice(0, 12))
                    .join(', ') || 'none'
                }`
              : 'no earlier healthy commit to roll back to',
          );
        }
        const outcome = await daemon.pin(name, target);
        const after = outcome.status;
        if (after.pinned?.commit !== target || after.appliedCommit !== target) {
          // The pass that answered did not run the target: say why instead of claiming success.
          const why =
            after.pinned?.commit !== target
              ? `the branch moved on to ${after.desiredCommit?.slice(0, 12) ?? 'an unknown commit'} meanwhile`
              : `${after.lastError?.reason ?? 'the pass failed'}: ${after.lastError?.message ?? after.healthReason}`;
          return json(after.pinned?.commit !== target ? 409 : 500, {
            error: `rollback to ${target.slice(0, 12)} did not take effect: ${why}`,
            status: after,
          });
        }
        store.recordEvent(name, 'rollback', `rolled back to ${target.slice(0, 12)} through the API`, {
          commit: target,
        });
        metrics.countRollback(name);
        return json(200, { commit: target, status: outcome.status, actions: outcome.actions.length });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/promote$`),
      access: onProject('operate'),
      handle: async (_req, [name], _url, body) => {
        const { from, to, commit } = body;
        if (typeof from !== 'string' || typeof to !== 'string') {
          return errorReply(400, 'from and to must name two environments of the project');
        }
        if (commit !== undefined && typeof commit !== 'string') {
          return errorReply(400, 'commit must be a string (a sha or a prefix of at least 7 characters)');
        }
        const outcome = await promote(
          {
            project: (n) => daemon.project(n),
            projectNames: () => daemon.projectNames(),
            trigger: (n) => daemon.trigger(n),
            gate: (n, c) => daemon.gateNow(n, c),
            store,
            log: options.log,
          },
          { project: name ?? '', from, to, commit: commit || undefined },
        );
        if (!outcome.ok) return json(outcome.status, { error: outcome.error, reason: outcome.reason });
        // The documented body (docs/environments.md), which `spin promote --json` prints as is.
        const { ok: _ok, ...promoted } = outcome;
        return json(200, promoted);
      },
    },
    ...secretRoutes(daemon),
    {
      method: 'POST',
      pattern: /^\/hooks\/(github|gitea|gitlab)$/,
      access: 'webhook',
      handle: (req, [provider]) => hooks(req, provider as WebhookProvider),
    },
  ];
}

function containerViews(containers: ActualContainer[]) {
  return containers.map((c) => ({
    name: c.name,
    service: c.service,
    replica: c.replica,
    state: c.state,
    health: c.health,
    image: c.image,
    commit: c.commit,
  }));
}

function clampInt(value: string | null, fallback: number, min: number, max: number): number {
  const n = value === null ? fallback : Number.parseInt(value, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
