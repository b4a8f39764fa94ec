import { writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import type { ProjectFixture } from './project-fixture.js';
import type { SwarmLab } from './swarm-lab.js';

/**
 * The daemon config of a project fixture that deploys to `lab` (engine `swarm`, the default) under
 * the policy `swarm`: the default policy less no-new-privileges, which Swarm services cannot
 * carry on Engine API 1.41 (docs/engines.md), plus `policy`.
 */
export function swarmConfig(lab: SwarmLab, policy: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engines: { swarm: { kind: 'swarm', host: lab.manager } },
    defaultEngine: 'swarm',
    policies: { swarm: { privilege: { requireNoNewPrivileges: false }, ...policy } },
  };
}

/** Tears down a Swarm test file's fixture and lab; SPIN_SWARM_DEBUG=file keeps the daemon's log. */
export async function stopSwarmFixture(
  f: ProjectFixture | undefined,
  lab: SwarmLab | undefined,
  more: () => Promise<void> = async () => {},
): Promise<void> {
  if (process.env.SPIN_SWARM_DEBUG && f?.daemon) {
    await writeFile(process.env.SPIN_SWARM_DEBUG, f.daemon.output());
  }
  await f?.cleanup();
  await more();
  await lab?.down();
}

/** The Swarm services of `project`, by name. */
export async function projectServices(d: Docker, project: string): Promise<Docker.Service[]> {
  return (await d.listServices({ filters: { label: [`spin.project=${project}`] } })).sort((a, b) =>
    (a.Spec?.Name ?? '').localeCompare(b.Spec?.Name ?? ''),
  );
}
