import type { Logger } from 'pino';
import type { SpinConfig } from '../config/types.js';
import { connectDocker } from '../drivers/docker/connect.js';
import { checkOwnContainer } from '../drivers/docker/own-container.js';
import { CliError, EXIT } from './output.js';

/**
 * Refuses to start a daemon that runs in a container whose stateDir or runtimeDir the engine
 * would not find at the same path on the host: repository file binds (under stateDir) and secret
 * and config files (under runtimeDir) are bind sources the engine resolves on the host, so every
 * stack using one would fail to apply, pass after pass. Refusing at start says it once, clearly.
 */
export async function refuseUnlessSameHostPaths(
  config: Pick<SpinConfig, 'engines' | 'defaultEngine' | 'stateDir' | 'secrets'>,
  log: Logger,
): Promise<void> {
  // The engine this daemon would run in, if any: the default one (a container on another
  // engine's host is not found there, and the check is skipped as for an unknown container).
  const engine = config.engines[config.defaultEngine] ?? Object.values(config.engines)[0];
  const result = await checkOwnContainer(connectDocker(engine?.host, engine?.tls), [
    { key: 'stateDir', path: config.stateDir },
    { key: 'secrets.runtimeDir', path: config.secrets.runtimeDir },
  ]);
  if (result.kind === 'unidentified') {
    log.info('running in a container the engine does not know; the same-host-path mount check is skipped');
  }
  if (result.kind !== 'checked' || result.problems.length === 0) return;
  throw new CliError(
    [
      `spin daemon runs in the container '${result.container}', and the engine resolves bind-mount sources on the host:`,
      ...result.problems.map((p) => `  ${p}`),
      'Stacks with secrets, configs or repository file binds cannot apply until these folders are mounted at the same paths (see "Running in a container" in the README).',
    ].join('\n'),
    EXIT.usage,
  );
}
