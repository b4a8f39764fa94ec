import type http from 'node:http';
import type { Daemon } from '../daemon/daemon.js';
import type { Driver } from '../drivers/driver.js';
import type { Metrics } from '../metrics/registry.js';
import type { HistoryStore } from '../store/history-store.js';
import {
  DASHBOARD_HEADERS,
  renderNotFound,
  renderProjectList,
  renderProjectPage,
} from '../dashboard/index.js';
import { routeWebhook, WEBHOOK_MAX_BODY_BYTES, type WebhookTrigger } from '../webhooks/index.js';
import type { AccessKind } from './auth.js';
import { errorReply, json, readBody, type Reply } from './http.js';
import type { ActualContainer } from '../reconciler/state.js';
import { summarisePlan } from '../reconciler/plan.js';
import { errorMessage } from '../util/errors.js';

export interface ApiDeps {
  daemon: Daemon;
  driver: Driver;
  store: HistoryStore;
  metrics: Metrics;
  /** Called for webhook pushes to non-deploy refs (reviewers' previews). */
  onPreview?(trigger: WebhookTrigger): void;
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** Who may call it: open (probes, webhooks with their own HMAC), read or write token. */
  access: 'open' | AccessKind;
  /** Pages for browsers ask for Basic auth so an operator can type the read token. */
  browser?: boolean;
  handle(req: http.IncomingMessage, params: string[], url: URL): Promise<Reply>;
}

const NAME = '([a-z0-9][a-z0-9-]*)';
const BODY_LIMIT = 64 * 1024;

/** The daemon's HTTP surface, one table: probes, JSON API, dashboard pages, metrics, webhooks. */
export function buildRoutes(deps: ApiDeps): Route[] {
  const { daemon, store, metrics } = deps;
  const project = (name: string | undefined) => (name ? daemon.status(name) : undefined);
  const unknown = (name: string | undefined) => errorReply(404, `unknown project '${name}'`);
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
      access: 'open',
      handle: async () => json(200, { status: 'ok' }),
    },
    {
      method: 'GET',
      pattern: /^\/readyz$/,
      access: 'open',
      handle: async () => {
        const engine = await deps.driver.ping().then(
          () => 'ok',
          (err: unknown) => errorMessage(err),
        );
        const history = store.ping() ? 'ok' : 'unavailable';
        const ready = engine === 'ok' && history === 'ok';
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', engine, store: history });
      },
    },
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      access: 'read',
      handle: async () => {
        const { contentType, body } = await metrics.render();
        return { status: 200, body, raw: true, headers: { 'content-type': contentType } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/$/,
      access: 'read',
      browser: true,
      handle: async () => html(200, renderProjectList(daemon.allStatuses(), { now: Date.now() })),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/projects/${NAME}$`),
      access: 'read',
      browser: true,
      handle: async (_req, [name]) => {
        const status = project(name);
        if (!status || !name) return html(404, renderNotFound(name ?? ''));
        const last = daemon.lastActions(name);
        const plan = last ? { summary: summarisePlan(last.actions), actions: last.actions } : undefined;
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
            },
          ),
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/projects$/,
      access: 'read',
      handle: async () => json(200, { projects: daemon.allStatuses() }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}$`),
      access: 'read',
      handle: async (_req, [name]) => {
        const status = project(name);
        if (!status || !name) return unknown(name);
        return json(200, { status, containers: containerViews(daemon.containers(name)) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/containers$`),
      access: 'read',
      handle: async (_req, [name]) =>
        project(name) && name
          ? json(200, { containers: containerViews(daemon.containers(name)) })
          : unknown(name),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/history$`),
      access: 'read',
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
      access: 'read',
      handle: async (_req, [name]) => {
        if (!project(name) || !name) return unknown(name);
        const plan = await daemon.planNow(name);
        return json(200, { ...plan, counts: summarisePlan(plan.actions) });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/sync$`),
      access: 'write',
      handle: async (_req, [name]) => {
        if (!project(name) || !name) return unknown(name);
        const outcome = await daemon.syncNow(name);
        return json(200, { status: outcome.status, actions: outcome.actions.length });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/v1/projects/${NAME}/(suspend|resume)$`),
      access: 'write',
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
      access: 'write',
      handle: async (req, [name]) => {
        const status = project(name);
        if (!status || !name) return unknown(name);
        const raw = await readBody(req, BODY_LIMIT);
        if (!raw) return errorReply(413, 'body too large');
        let wanted: string | undefined;
        try {
          wanted = raw.length ? (JSON.parse(raw.toString()) as { commit?: string }).commit : undefined;
        } catch {
          return errorReply(400, 'body is not JSON');
        }
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
      pattern: /^\/hooks\/(github|gitea|gitlab)$/,
      access: 'open',
      handle: async (req, [provider]) => {
        const rawBody = await readBody(req, WEBHOOK_MAX_BODY_BYTES);
        if (!rawBody) return errorReply(413, `body over ${WEBHOOK_MAX_BODY_BYTES} bytes`);
        const projects = daemon.projectNames().flatMap((n) => {
          const p = daemon.project(n)?.config;
          if (!p) return [];
          const repoUrl = p.repo.kind === 'http' ? p.repo.url : `file://${p.repo.path}`;
          return [{ name: n, repoUrl, branch: p.branch, secret: p.webhookSecret }];
        });
        const decision = routeWebhook({
          provider: provider as 'github' | 'gitea' | 'gitlab',
          headers: req.headers,
          rawBody,
          projects,
        });
        for (const trigger of decision.triggers) {
          if (trigger.reason === 'deploy') daemon.trigger(trigger.project);
          else deps.onPreview?.(trigger);
        }
        return json(decision.status, {
          message: decision.message,
          triggered: decision.triggers.map((t) => t.project),
        });
      },
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
