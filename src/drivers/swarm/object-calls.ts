/**
 * The engine calls for Swarm secret and config objects. The value goes to the engine in the
 * create call's body and nowhere else: errors name the object, never its content.
 */
import type Docker from 'dockerode';
import type { StepContext } from '../driver.js';
import type { Step } from '../resources.js';
import type { DesiredFileObject } from './file-objects.js';

/** Creates one revision; an object of that name already there is the same content (its name says so). */
export async function createFileObject(docker: Docker, step: Step, ctx: StepContext): Promise<void> {
  const o = step.desired?.body as DesiredFileObject;
  const value = ctx.desired.contents?.value(o.kind, o.key);
  if (value === undefined) throw new Error(`the ${o.kind} ${o.key} was not read for this commit`);
  const spec = { Name: o.name, Labels: o.labels, Data: Buffer.from(value).toString('base64') };
  try {
    if (o.kind === 'secret') await docker.createSecret(spec);
    else await docker.createConfig(spec);
  } catch (err) {
    // Listed before this pass's own create (a cached list, or another pass): already there.
    if (statusOf(err) === 409) return;
    throw new Error(
      `creating ${o.kind} ${o.name} failed (${statusOf(err) ?? 'no answer'}): ${engineReason(err)}`,
    );
  }
}

export async function removeFileObject(docker: Docker, kind: 'secret' | 'config', id: string): Promise<void> {
  try {
    if (kind === 'secret') await docker.getSecret(id).remove();
    else await docker.getConfig(id).remove();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

/** The spec with each referenced secret's and config's id, as Swarm requires (by exact name). */
export async function withObjectIds(docker: Docker, spec: Docker.ServiceSpec): Promise<Docker.ServiceSpec> {
  const task = spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  const container = task?.ContainerSpec;
  if (!task || !container || (!container.Secrets?.length && !container.Configs?.length)) return spec;
  const ids = async (list: (() => Promise<{ ID: string; Spec?: { Name?: string } }[]>) | undefined) =>
    new Map((list ? await list() : []).map((o) => [o.Spec?.Name ?? '', o.ID]));
  const [secrets, configs] = await Promise.all([
    ids(container.Secrets?.length ? () => docker.listSecrets() as never : undefined),
    ids(container.Configs?.length ? () => docker.listConfigs() as never : undefined),
  ]);
  const need = (map: Map<string, string>, kind: string, name = '') => {
    const id = map.get(name);
    if (!id) throw new Error(`${kind} ${name} is not on the Swarm`);
    return id;
  };
  return {
    ...spec,
    TaskTemplate: {
      ...task,
      ContainerSpec: {
        ...container,
        ...(container.Secrets && {
          Secrets: container.Secrets.map((s) => ({ ...s, SecretID: need(secrets, 'secret', s.SecretName) })),
        }),
        ...(container.Configs && {
          Configs: container.Configs.map((c) => ({ ...c, ConfigID: need(configs, 'config', c.ConfigName) })),
        }),
      },
    },
  };
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The engine's own message (JSON `message`), which names the object, never its data. */
function engineReason(err: unknown): string {
  const json = (err as { json?: { message?: string } }).json;
  return json?.message ?? (err as Error).message;
}
