import type { Command } from 'commander';
import { connectDocker } from '../../drivers/docker/connect.js';
import { DockerDriver } from '../../drivers/docker/docker-driver.js';
import { createGitSource } from '../../git/index.js';
import { describeAction } from '../../reconciler/apply.js';
import { loadDesired } from '../../reconciler/desired.js';
import { describePlan, planProject } from '../../reconciler/plan.js';
import { actualForProject } from '../../reconciler/state.js';
import { sortDiagnostics } from '../../stack/diagnostics.js';
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
        const source = createGitSource(project, config.stateDir);
        let commit: string;
        try {
          commit = await source.resolveHead();
        } catch (err) {
          throw new CliError(errorMessage(err), EXIT.invalid);
        }
        const gated = await loadDesired(source.readerAt(commit), commit, {
          project: project.name,
          env: project.env,
          stackDir: project.path,
          policy: project.policy,
        });
        if (!gated.ok) {
          const diagnostics = sortDiagnostics(gated.diagnostics);
          if (options.json) printJson({ project: name, commit, valid: false, diagnostics, actions: [] });
          else {
            console.error(`${name} @ ${shortSha(commit)}: commit refused, nothing would be applied`);
            printDiagnostics(diagnostics);
          }
          return EXIT.invalid;
        }
        const driver = new DockerDriver(connectDocker(config.docker.host));
        const actual = actualForProject(await driver.listActual(), name);
        const actions = planProject(gated.desired, actual, {
          pruneVolumes: project.policy.volumes?.prune === true,
        });
        if (options.json) {
          printJson({ project: name, commit, valid: true, summary: describePlan(actions), actions });
        } else {
          console.log(`${name} @ ${shortSha(commit)}: ${describePlan(actions)}`);
          for (const action of actions) console.log(`  ${describeAction(action)}`);
        }
        return EXIT.ok;
      }),
    );
}
