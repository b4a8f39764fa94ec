import type { Command } from 'commander';
import { createDriver } from '../../drivers/create-driver.js';
import { describeEngineError } from '../../drivers/engine-error.js';
import { createGitSource } from '../../git/index.js';
import { describeAction } from '../../reconciler/apply.js';
import { previewPlan, type PlanPreview } from '../../reconciler/preview.js';
import { StatusStore } from '../../status/store.js';
import { errorMessage } from '../../util/errors.js';
import { requireConfig } from '../load-config.js';
import { CliError, EXIT, printJson, shortSha } from '../output.js';
import { printDiagnostics } from './validate.js';
import { withExit } from '../action.js';

/** `spin plan`: what the daemon would do now for a project, changing nothing. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('show what the daemon would do now for PROJECT (desired vs actual), changing nothing')
    .argument('<project>', 'project name from the config')
    .requiredOption('--config <file>', 'daemon config file')
    .option('--json', 'print the plan as JSON')
    .action(
      withExit(async (name: string, options: { config: string; json?: boolean }) => {
        const config = await requireConfig(options.config);
        const project = config.projects.find((p) => p.name === name);
        if (!project) throw new CliError(`unknown project '${name}' (not in ${options.config})`);
        const source = createGitSource(project, config.stateDir, config.git);
        // Its containers are inspected, so the plan shows `docker update` drift as the daemon sees it.
        const engine = config.engines[project.engine ?? config.defaultEngine];
        if (!engine)
          throw new CliError(`project '${name}' names engine '${project.engine}', which is not configured`);
        let driver;
        try {
          driver = createDriver(engine, { checkRuntime: (c) => c.project === name });
        } catch (err) {
          throw new CliError(errorMessage(err), EXIT.usage);
        }
        // Asked first, so an engine that does not answer (a wrong certificate, a stopped dockerd)
        // is one line naming the engine, not a failure somewhere inside the plan.
        await driver.ping().catch((err: unknown) => {
          throw new CliError(`engine '${engine.name}': ${describeEngineError(err)}`, EXIT.usage);
        });
        let plan: PlanPreview;
        try {
          // The image updates the daemon's last status remembers, so the plan pins as it does.
          const status = await new StatusStore(config.stateDir).read(project.name).catch(() => undefined);
          plan = await previewPlan({ project, source, driver, imageUpdates: status?.imageUpdates });
        } catch (err) {
          throw new CliError(errorMessage(err), EXIT.invalid);
        }
        if (options.json) printJson(plan);
        else if (!plan.valid) {
          console.error(`${name} @ ${shortSha(plan.commit)}: commit refused, nothing would be applied`);
          printDiagnostics(plan.diagnostics);
        } else {
          console.log(`${name} @ ${shortSha(plan.commit)}: ${plan.summary}`);
          for (const action of plan.actions) console.log(`  ${describeAction(action)}`);
        }
        if (!plan.valid) return EXIT.invalid;
        return EXIT.ok;
      }),
    );
}
