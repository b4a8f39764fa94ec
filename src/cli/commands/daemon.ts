import type { Command } from 'commander';
import { startApiServer } from '../../api/server.js';
import { Daemon } from '../../daemon/daemon.js';
import { connectDocker } from '../../drivers/docker/connect.js';
import { DockerDriver } from '../../drivers/docker/docker-driver.js';
import { createLogger } from '../../util/logger.js';
import { requireConfig } from '../load-config.js';
import { EXIT } from '../output.js';
import { withExit } from '../action.js';

/** `spin daemon`: reconcile until SIGTERM/SIGINT, then stop without touching the containers. */
export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the reconciler until SIGTERM or SIGINT')
    .requiredOption('--config <file>', 'daemon config file (YAML)')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option('--log-pretty', 'human-readable logs for a terminal')
    .action(
      withExit(async (options: { config: string; logLevel: string; logPretty?: boolean }) => {
        const config = await requireConfig(options.config);
        const log = createLogger({ level: options.logLevel, pretty: options.logPretty });
        const driver = new DockerDriver(connectDocker(config.docker.host));
        const daemon = new Daemon(config, driver, log);
        await daemon.start();
        const api = await startApiServer(daemon, config.api.listen, log);
        const signal = await new Promise<string>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        log.info({ signal }, 'stopping');
        await api.close();
        await daemon.stop();
        return EXIT.ok;
      }),
    );
}
