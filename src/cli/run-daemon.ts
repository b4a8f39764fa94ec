import { assertSafeListen } from '../api/auth.js';
import { startApiServer } from '../api/server.js';
import { apiTokenSource, scopedTokenSource } from '../api/token-source.js';
import { CommitStatusPublisher } from '../daemon/commit-statuses.js';
import { Daemon } from '../daemon/daemon.js';
import { observePasses } from '../daemon/observers.js';
import { PreviewRunner } from '../daemon/previews.js';
import { removePidFile, writePidFile } from '../daemon/pid-file.js';
import { ownedProjects, parseShardFlag } from '../config/shard.js';
import type { ShardConfig, SpinConfig } from '../config/types.js';
import { createDriver } from '../drivers/create-driver.js';
import type { Driver } from '../drivers/driver.js';
import { createMetrics } from '../metrics/registry.js';
import { formatDiagnostic } from '../stack/diagnostics.js';
import { historyDbPath, openHistoryStore } from '../store/history-store.js';
import { errorMessage } from '../util/errors.js';
import { createLogger } from '../util/logger.js';
import { watchConfig } from './config-watch.js';
import { buildInfo } from '../util/version.js';
import { loadConfigFile, requireConfig } from './load-config.js';
import { CliError, EXIT } from './output.js';
import { refuseUnlessSameHostPaths } from './own-container-check.js';

export interface DaemonOptions {
  config: string;
  logLevel: string;
  logPretty?: boolean;
  /** `--shard I/N`: overrides the config's shard.index and shard.count. */
  shard?: string;
}

/** The shard this daemon runs: the config's, with `--shard I/N` in place of its index and count. */
function shardOf(config: SpinConfig, flag: string | undefined): ShardConfig | undefined {
  if (flag === undefined) return config.shard;
  const parsed = parseShardFlag(flag);
  if ('error' in parsed) throw new CliError(parsed.error, EXIT.usage);
  return { ...config.shard, ...parsed };
}

/**
 * The daemon process (its composition root, above the daemon, the API and the drivers it wires
 * together): config, engine driver, history store, metrics, commit statuses, previews,
 * the API and config reload around one Daemon; returns the exit code after SIGTERM/SIGINT.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const loaded = await requireConfig(options.config);
  const shard = shardOf(loaded, options.shard);
  // Several daemons may share one config: each reconciles only the projects its shard owns, and
  // leaves the others' containers alone (a project it does not own is, to it, not configured).
  const config = ownedProjects(loaded, shard);
  const log = createLogger({ level: options.logLevel, pretty: options.logPretty });
  const tokens = { read: config.api.readToken, write: config.api.writeToken };
  let warnings: string[];
  try {
    warnings = assertSafeListen(config.api.listen, tokens) ?? [];
  } catch (err) {
    throw new CliError(errorMessage(err), EXIT.usage);
  }
  for (const warning of [...warnings, ...(config.warnings ?? [])]) log.warn(warning);
  if (shard) {
    log.info(
      { shard, owned: config.projects.length, configured: loaded.projects.length },
      'sharded: reconciling only the projects this shard owns',
    );
  }
  // Before anything is created under stateDir: in a container, it must be the host's own path.
  await refuseUnlessSameHostPaths(config, log);

  // Runtime settings are inspected only for this daemon's projects: on a shared engine another
  // daemon's (or an unconfigured project's) new containers would otherwise be inspected before
  // every round could plan, delaying drift repairs. (`daemon` is set before the first list.)
  // One driver per engine. A kind the build has no driver for stops the start (exit 2).
  const drivers = new Map<string, Driver>();
  for (const engine of Object.values(config.engines)) {
    try {
      drivers.set(
        engine.name,
        createDriver(engine, { checkRuntime: (c): boolean => daemon.project(c.project) !== undefined }),
      );
    } catch (err) {
      throw new CliError(errorMessage(err), EXIT.usage);
    }
  }
  let store: ReturnType<typeof openHistoryStore>;
  try {
    store = openHistoryStore({
      path: historyDbPath(config.stateDir),
      maxPassesPerProject: config.history.maxPassesPerProject,
      maxEventsPerProject: config.history.maxEventsPerProject,
    });
  } catch (err) {
    // A database from a newer Spin (or an unreadable one): one clear line, exit 2, no stack.
    throw new CliError(errorMessage(err), EXIT.usage);
  }
  // After the store opened (so the stateDir exists and is ours): `spin restore` checks it.
  await writePidFile(config.stateDir);
  const metrics = createMetrics({ build: buildInfo() });
  for (const p of config.projects) metrics.addProject(p.name, p.environment);
  const baseUrl = config.api.publicUrl ?? `http://${config.api.listen}`;
  const publisher = new CommitStatusPublisher({ stateDir: config.stateDir, log, metrics, baseUrl });
  const daemon = new Daemon(config, drivers, log, {
    onDeployStart: (project, commit, actions, passId) =>
      publisher.deployStarted(project, commit, actions, passId),
    // A pass still running for a project just removed by a config reload must not bring its
    // metric series back.
    onEngineList: (engine, ok) => metrics.setEngineUp(engine, ok),
    onGitPoll: (project, ms, ok) => {
      if (daemon.project(project)) metrics.observeGitPoll(project, ms, ok ? 'ok' : 'failed');
    },
  });
  metrics.setPassQueueSource(() => daemon.queueStats());
  const previews = new PreviewRunner(daemon, publisher, log);
  observePasses(daemon, { store, metrics, log });
  daemon.onPass((name, outcome) => {
    const project = daemon.project(name)?.config;
    if (!project) return;
    // A repeated idle pass has the verdict the last full pass reported (the memo ends when it changes).
    if (!outcome.repeated) publisher.passFinished(project, outcome.status, outcome.passId);
    void previews
      .afterPass(name)
      .catch((err: unknown) => log.error({ project: name, err }, 'previews failed'));
  });
  // The API listens before the first pass so commit statuses link to its real address (the
  // configured port may be 0); until start() has added the projects it simply lists none.
  const api = await startApiServer(
    { daemon, store, metrics, onPreview: (t) => previews.trigger(t.project, t.ref, t.after) },
    {
      listen: config.api.listen,
      publicUrl: config.api.publicUrl,
      allowedHosts: config.api.allowedHosts,
      // Token files are re-read on change (rotation without a restart); see src/api/token-file.ts.
      tokens: apiTokenSource(config.api, log),
      // Per-project tokens: spin token create|revoke and api.tokens files, re-read on change.
      scoped: scopedTokenSource(config.stateDir, config.api, log),
      secretOverlapMs: config.api.tokenOverlapMs,
      log,
    },
  );
  if (!config.api.publicUrl) publisher.setBaseUrl(api.url);
  try {
    await daemon.start();
  } catch (err) {
    await api.close();
    throw err;
  }
  const closeReload = watchConfig(options.config, async () => {
    const next = await loadConfigFile(options.config);
    if (!next.ok) {
      log.error(
        { errors: next.diagnostics.map(formatDiagnostic) },
        'config change refused; keeping the running config',
      );
      return;
    }
    for (const warning of next.config.warnings ?? []) log.warn(warning);
    const changes = await daemon.reload(ownedProjects(next.config, shardOf(next.config, options.shard)));
    for (const name of changes.added)
      metrics.addProject(name, next.config.projects.find((p) => p.name === name)?.environment);
    for (const name of changes.removed) metrics.removeProject(name);
  });

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'stopping');
  await closeReload();
  await api.close();
  await daemon.stop();
  await publisher.close();
  store.close();
  await removePidFile(config.stateDir);
  return EXIT.ok;
}
