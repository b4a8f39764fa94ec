import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  desiredFileObjects,
  objectNameProblem,
  RETAINED_REVISIONS,
  revisionRemovable,
} from '../../../src/drivers/swarm/file-objects.js';
import { observeSwarm, renderSwarm, swarmActionsOf } from '../../../src/drivers/swarm/resources.js';
import type { SwarmServiceState } from '../../../src/drivers/swarm/live.js';
import { planSteps } from '../../../src/reconciler/plan.js';
import { swarmRules } from '../../../src/drivers/swarm/rules.js';
import type { ActualFileObject, ActualState } from '../../../src/model/actual-state.js';
import { FileContents } from '../../../src/model/file-contents.js';
import { loadDesired } from '../../../src/reconciler/desired.js';
import { resolvePolicy } from '../../../src/policy/index.js';
import type { DesiredState } from '../../../src/drivers/resources.js';
import type Docker from 'dockerode';

/**
 * Pure: secrets and configs as Swarm objects. Names carry the content's digest (a new value is a
 * new object and a service update), the value is never in a rendered body, a plan or a log line,
 * and old revisions go once nothing references them and retention lets them.
 */
const VALUE = 'hunter2-the-value';
const SECRET_DIGEST = 'ab'.repeat(32);
const CONFIG_DIGEST = 'cd'.repeat(32);

const stack = `services:
  web:
    image: spin-test/web:1
    cap_drop: [ALL]
    secrets: [{ source: token, target: tok, uid: "1000", mode: 0440 }]
    configs: [{ source: app, target: /etc/app.conf }]
    deploy:
      resources: { limits: { memory: 32m, cpus: "0.2" } }
secrets:
  token: {}
configs:
  app: { content: "x=1" }
`;

async function desired(secretDigest = SECRET_DIGEST): Promise<DesiredState> {
  const resolved = resolvePolicy('swarm', { swarm: { privilege: { requireNoNewPrivileges: false } } });
  if (!resolved.ok) throw new Error(resolved.error);
  const loaded = await loadDesired(
    { readFile: async (p) => (p === 'compose.yaml' ? new TextEncoder().encode(stack) : undefined) },
    'c0ffee',
    { project: 'sw', env: {}, stackDir: '', policy: resolved.policy, engine: swarmRules },
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const contents = new FileContents([
    { kind: 'secret', key: 'token', digest: secretDigest, value: new TextEncoder().encode(VALUE) },
    { kind: 'config', key: 'app', digest: CONFIG_DIGEST, value: new TextEncoder().encode('x=1') },
  ]);
  return { ...loaded.desired, contents };
}

const obj = (
  key: string,
  hash: string,
  createdAt: number,
  kind: 'secret' | 'config' = 'secret',
): ActualFileObject => ({
  kind,
  id: `id${key}${hash}`,
  name: `sw_${key}_${hash}`,
  project: 'sw',
  key,
  hash,
  createdAt,
});

describe('Swarm secret and config objects', () => {
  it('are named <project>_<key>_<12 hex of the digest>, labelled for Spin and docker stack', async () => {
    const d = await desired();
    const objects = desiredFileObjects(d.model, d.contents);
    expect(objects.map((o) => o.name)).toEqual(['sw_token_abababababab', 'sw_app_cdcdcdcdcdcd']);
    expect(objects[0]?.labels).toEqual({
      'spin.managed': 'true',
      'spin.project': 'sw',
      'com.docker.stack.namespace': 'sw',
      'spin.secret': 'token',
      'spin.content-hash': 'abababababab',
    });
  });

  it('are referenced by the service at the stack target, owner and mode', async () => {
    const d = await desired();
    const service = renderSwarm(d).find((r) => r.key === 'service/web')?.body as { spec: Docker.ServiceSpec };
    const container = (service.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec;
    expect(container?.Secrets).toEqual([
      {
        File: { Name: '/run/secrets/tok', UID: '1000', GID: '0', Mode: 0o440 },
        SecretName: 'sw_token_abababababab',
      },
    ]);
    expect(container?.Configs).toEqual([
      { File: { Name: '/etc/app.conf', UID: '0', GID: '0', Mode: 0o444 }, ConfigName: 'sw_app_cdcdcdcdcdcd' },
    ]);
  });

  it('never carry the value in what is rendered, planned or printed', async () => {
    const d = await desired();
    const plan = planSteps(
      { render: renderSwarm, observe: observeSwarm, drift: () => [], actionsOf: swarmActionsOf },
      d,
      { containers: [], networks: [], volumes: [], units: [], fileObjects: [] },
      { pruneAllowed: false },
    );
    expect(plan.actions.map((a) => a.kind)).toEqual([
      'create-network',
      'create-object',
      'create-object',
      'create',
    ]);
    for (const text of [
      JSON.stringify(plan),
      JSON.stringify(d),
      inspect(d, { depth: 10 }),
      inspect(plan, { depth: 10 }),
    ])
      expect(text).not.toContain(VALUE);
    expect(d.contents?.value('secret', 'token')).toEqual(new TextEncoder().encode(VALUE));
  });

  it('change the service spec (a rolling update) when a value changes, and only then', async () => {
    const spec = async (digest: string) =>
      renderSwarm(await desired(digest)).find((r) => r.key === 'service/web')?.hash;
    expect(await spec(SECRET_DIGEST)).toBe(await spec(SECRET_DIGEST));
    expect(await spec('ef'.repeat(32))).not.toBe(await spec(SECRET_DIGEST));
  });

  it('a new revision is created before the service update; the one it replaces is kept (still referenced)', async () => {
    const d = await desired('ef'.repeat(32));
    const liveSpec = renderSwarm(await desired()).find((r) => r.key === 'service/web')?.body as {
      spec: Docker.ServiceSpec;
    };
    const state: SwarmServiceState = {
      id: 's1',
      name: 'sw_web',
      version: 1,
      spec: liveSpec.spec,
      updatedAt: 0,
      tasks: [],
    };
    const actual: ActualState = {
      containers: [],
      networks: [{ id: 'n1', name: 'sw_default', project: 'sw', key: 'default' }],
      volumes: [],
      units: [
        {
          id: 's1',
          name: 'sw_web',
          project: 'sw',
          service: 'web',
          commit: 'c',
          configHash: 'h',
          detail: state,
        },
      ],
      fileObjects: [obj('token', 'abababababab', 1), obj('app', 'cdcdcdcdcdcd', 1, 'config')],
    };
    const plan = planSteps(
      { render: renderSwarm, observe: observeSwarm, drift: () => [], actionsOf: swarmActionsOf },
      d,
      actual,
      { pruneAllowed: false },
    );
    expect(plan.actions).toEqual([
      { kind: 'create-object', object: 'secret', key: 'token', name: 'sw_token_efefefefefef' },
      { kind: 'recreate', service: 'web', replica: 0, name: 'sw_web', containerId: 's1' },
    ]);
  });

  it(`keeps referenced revisions and the newest ${RETAINED_REVISIONS} of a key in use; removes the rest`, () => {
    const revisions = [
      obj('token', 'a1', 1),
      obj('token', 'a2', 2),
      obj('token', 'a3', 3),
      obj('token', 'a4', 4),
    ];
    const referenced = new Set(['sw_token_a4', 'sw_token_a1']);
    const removable = revisions.filter((r) => revisionRemovable(r, revisions, referenced)).map((r) => r.hash);
    // a4 is the spec's, a1 the previous spec's (a rollback needs it), a3 within retention.
    expect(removable).toEqual(['a2']);
  });

  it('removes every unreferenced revision of a key no service uses any more', () => {
    const revisions = [obj('old', 'b1', 1), obj('old', 'b2', 2), obj('token', 'a1', 1)];
    const referenced = new Set(['sw_token_a1']);
    expect(revisions.filter((r) => revisionRemovable(r, revisions, referenced)).map((r) => r.name)).toEqual([
      'sw_old_b1',
      'sw_old_b2',
    ]);
  });

  it('refuses keys Swarm cannot name', () => {
    expect(objectNameProblem('sw', 'token')).toBeUndefined();
    expect(objectNameProblem('sw', 'bad/key')).toMatch(/letters, digits/);
    expect(objectNameProblem('sw', 'k'.repeat(48))).toBeUndefined(); // exactly 64
    expect(objectNameProblem('sw', 'k'.repeat(49))).toMatch(/over Swarm's 64/);
  });
});
