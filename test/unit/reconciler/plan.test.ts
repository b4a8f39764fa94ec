import { describe, expect, it } from 'vitest';
import {
  describePlan,
  planSteps,
  summarisePlan,
  type Action,
  type DesiredState,
} from '../../../src/reconciler/plan.js';
import { dependencyOrder } from '../../../src/drivers/docker/replica-plan.js';
import type { ActualState } from '../../../src/model/actual-state.js';
import { container, desiredOf, model, service } from './fixtures.js';
import { MemoryDriver, engineOn } from './memory-driver.js';

/** Docker's plan through the engine-neutral planner: the actions its steps take, in order. */
const engine = engineOn(new MemoryDriver());
const planProject = (desired: DesiredState, actual: ActualState, options: { pruneVolumes: boolean }) =>
  planSteps(engine, desired, actual, { pruneAllowed: options.pruneVolumes }).actions;

const P = 'proj';
const defaultNet = { id: 'n1', name: `${P}_default`, project: P, key: 'default' };
const actualOf = (containers: ActualState['containers'], networks = [defaultNet]): ActualState => ({
  containers,
  networks,
  volumes: [],
});
/** A compact, readable form of a plan for table assertions. */
const brief = (actions: Action[]) =>
  actions.map((a) => {
    switch (a.kind) {
      case 'create-network':
        return `create-network ${a.network.name}`;
      case 'create-volume':
        return `create-volume ${a.volume.name}`;
      case 'remove-network':
        return `remove-network ${a.network}`;
      case 'remove-volume':
        return `remove-volume ${a.volume}`;
      case 'remove':
        return `remove ${a.name} ${a.reason}`;
      default:
        return `${a.kind} ${a.name}`;
    }
  });

const MB = 1024 * 1024;

describe('planProject', () => {
  const web = service('web', { replicas: 2 });
  const db = service('db');
  const limited = service('api', { replicas: 4, limits: { memoryBytes: 16 * MB, nanoCpus: 1e8 } });
  const limitedRuntime = {
    memoryBytes: 16 * MB,
    memoryReservationBytes: 0,
    nanoCpus: 1e8,
    pids: 0,
    restart: 'unless-stopped',
  };

  const cases: {
    name: string;
    desired: ReturnType<typeof model>;
    actual: ActualState;
    expected: string[];
  }[] = [
    {
      name: 'cold deploy creates the network, then dependencies first, replicas in order',
      desired: model(P, [
        service('web', {
          replicas: 2,
          dependsOn: { db: { condition: 'service_started', required: true, restart: false } },
        }),
        db,
      ]),
      actual: actualOf([], []),
      expected: ['create-network default', 'create proj_db_1', 'create proj_web_1', 'create proj_web_2'],
    },
    {
      name: 'converged stack plans nothing',
      desired: model(P, [web, db]),
      actual: actualOf([container(P, web, 1), container(P, web, 2), container(P, db, 1)]),
      expected: [],
    },
    {
      name: 'a container changed with docker update (inspected settings differ) is recreated',
      desired: model(P, [limited]),
      actual: actualOf([
        container(P, limited, 1, { runtime: { ...limitedRuntime, memoryBytes: 2 * 16 * MB } }),
        container(P, limited, 2, { runtime: limitedRuntime }),
        container(P, limited, 3, { runtime: { ...limitedRuntime, restart: 'no' } }),
        container(P, limited, 4),
      ]),
      expected: ['recreate proj_api_1', 'recreate proj_api_3'],
    },
    {
      name: 'a changed service is recreated, the other left alone',
      desired: model(P, [service('web', { replicas: 2, image: 'spin-test/web:2' }), db]),
      actual: actualOf([container(P, web, 1), container(P, web, 2), container(P, db, 1)]),
      expected: ['recreate proj_web_1', 'recreate proj_web_2'],
    },
    {
      name: 'scale down removes the highest replica numbers first',
      desired: model(P, [service('web', { replicas: 1 })]),
      actual: actualOf([container(P, web, 1), container(P, web, 3), container(P, web, 2)]),
      expected: ['remove proj_web_3 scale-down', 'remove proj_web_2 scale-down'],
    },
    {
      name: 'scale up adds the missing replicas without touching the existing one',
      desired: model(P, [service('web', { replicas: 3 })]),
      actual: actualOf([container(P, web, 1)]),
      expected: ['create proj_web_2', 'create proj_web_3'],
    },
    {
      name: 'a service gone from the stack is removed before the others are updated',
      desired: model(P, [service('web', { replicas: 2, command: ['sleep', '2'] })]),
      actual: actualOf([container(P, web, 1), container(P, web, 2), container(P, db, 1)]),
      expected: ['remove proj_db_1 service-removed', 'recreate proj_web_1', 'recreate proj_web_2'],
    },
    {
      name: 'a stopped long-running container is started',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1, { state: 'exited', exitCode: 137 })]),
      expected: ['start proj_db_1'],
    },
    {
      name: 'a finished one-shot job (exit 0, restart no, awaited by another service) is left alone',
      desired: model(P, [
        service('job', { restart: 'no' }),
        service('app', {
          dependsOn: { job: { condition: 'service_completed_successfully', required: true, restart: false } },
        }),
      ]),
      actual: actualOf([
        container(P, service('job', { restart: 'no' }), 1, { state: 'exited', exitCode: 0 }),
        container(
          P,
          service('app', {
            dependsOn: {
              job: { condition: 'service_completed_successfully', required: true, restart: false },
            },
          }),
          1,
        ),
      ]),
      expected: [],
    },
    {
      name: 'a long-running service that exited 0 (stopped by hand or by an engine restart) is started',
      desired: model(P, [service('worker', { restart: 'no' })]),
      actual: actualOf([
        container(P, service('worker', { restart: 'no' }), 1, { state: 'exited', exitCode: 0 }),
      ]),
      expected: ['start proj_worker_1'],
    },
    {
      name: 'a created-but-never-started container is started',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1, { state: 'created' })]),
      expected: ['start proj_db_1'],
    },
    {
      name: 'duplicates for one replica: the matching running one is kept',
      desired: model(P, [db]),
      actual: actualOf([
        container(P, db, 1, { configHash: 'old', id: 'stale' }),
        container(P, db, 1, { id: 'good' }),
      ]),
      expected: ['remove proj_db_1 duplicate'],
    },
    {
      name: 'a container with an invalid replica label is removed',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1), container(P, db, 0, { name: 'proj_db_x' })]),
      expected: ['remove proj_db_x invalid-replica'],
    },
    {
      name: 'a network no longer in the stack is removed after the containers',
      desired: model(P, [db]),
      actual: actualOf(
        [container(P, db, 1)],
        [defaultNet, { id: 'n2', name: `${P}_old`, project: P, key: 'old' }],
      ),
      expected: ['remove-network old'],
    },
    {
      name: 'a temporary container left by an interrupted start-first update is removed first',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1), container(P, db, 1, { name: 'proj_db_1-next' })]),
      expected: ['remove proj_db_1-next temporary'],
    },
    {
      name: 'a correct container under the name an older Spin gave it is renamed, not recreated',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1, { name: 'proj-db-1' })]),
      expected: ['rename proj_db_1'],
    },
    {
      name: 'an old-named container that is stopped is renamed, then started',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1, { name: 'proj-db-1', state: 'exited', exitCode: 1 })]),
      expected: ['rename proj_db_1', 'start proj_db_1'],
    },
    {
      name: 'an old-named container with another config is recreated under the new name',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1, { name: 'proj-db-1', configHash: 'old' })]),
      expected: ['recreate proj_db_1'],
    },
    {
      name: 'an old-named duplicate of a new-named replica goes, the new one stays',
      desired: model(P, [db]),
      actual: actualOf([
        container(P, db, 1, { name: 'proj-db-1', state: 'exited', exitCode: 0 }),
        container(P, db, 1),
      ]),
      expected: ['remove proj-db-1 duplicate'],
    },
    {
      name: 'an old-style temporary (`-next`) is a stray and goes',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1), container(P, db, 1, { name: 'proj-db-1-next' })]),
      expected: ['remove proj-db-1-next temporary'],
    },
    {
      name: 'containers pair by labels: a name that looks like ours but is labelled as another replica',
      desired: model(P, [service('db', { replicas: 2 })]),
      actual: actualOf([container(P, db, 2, { name: 'proj_db_1' })]),
      expected: ['remove proj_db_1 temporary', 'create proj_db_1', 'create proj_db_2'],
    },
    {
      name: 'a dead container is recreated',
      desired: model(P, [db]),
      actual: actualOf([container(P, db, 1, { state: 'dead' })]),
      expected: ['recreate proj_db_1'],
    },
  ];

  it.each(cases)('$name', ({ desired, actual, expected }) => {
    expect(brief(planProject(desiredOf(desired), actual, { pruneVolumes: false }))).toEqual(expected);
  });

  it('keeps named volumes that left the stack unless pruning is allowed', () => {
    const m = model(P, [db]);
    const actual: ActualState = {
      containers: [container(P, db, 1)],
      networks: [defaultNet],
      volumes: [{ name: `${P}_data`, project: P, key: 'data' }],
    };
    expect(brief(planProject(desiredOf(m), actual, { pruneVolumes: false }))).toEqual([]);
    expect(brief(planProject(desiredOf(m), actual, { pruneVolumes: true }))).toEqual(['remove-volume data']);
  });

  it('creates declared volumes before any container', () => {
    const m = model(P, [
      service('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }] }),
    ]);
    m.volumes.data = { name: 'data', driver: 'local', driverOpts: {}, labels: {} };
    expect(brief(planProject(desiredOf(m), actualOf([]), { pruneVolumes: false }))).toEqual([
      'create-volume data',
      'create proj_db_1',
    ]);
  });

  it('only a changed commit, same config, changes nothing', () => {
    const m = model(P, [db]);
    const actual = actualOf([container(P, db, 1, { commit: 'a'.repeat(40) })]);
    expect(planProject(desiredOf(m, 'b'.repeat(40)), actual, { pruneVolumes: false })).toEqual([]);
  });

  it('a rename carries the old name and the container id, and is counted apart', () => {
    const old = container(P, db, 1, { name: 'proj-db-1' });
    const actions = planProject(desiredOf(model(P, [db])), actualOf([old]), { pruneVolumes: false });
    expect(actions).toEqual([
      {
        kind: 'rename',
        service: 'db',
        replica: 1,
        name: 'proj_db_1',
        from: 'proj-db-1',
        containerId: old.id,
      },
    ]);
    expect(summarisePlan(actions)).toMatchObject({ renamed: 1, created: 0, recreated: 0, removed: 0 });
  });

  it("pairs a join with this project's own running container by label, and refuses any other", () => {
    const vpn = service('vpn');
    const target = container(P, vpn, 1);
    const joined = planProject(
      desiredOf(model(P, [vpn, service('app', { networkMode: 'service:vpn', pid: 'container:proj_vpn_1' })])),
      actualOf([target]),
      { pruneVolumes: false },
    );
    expect(joined).toEqual([
      {
        kind: 'create',
        service: 'app',
        replica: 1,
        name: 'proj_app_1',
        joins: [
          { key: 'network_mode', value: 'service:vpn', service: 'vpn', replica: 1, containerId: target.id },
          { key: 'pid', value: 'container:proj_vpn_1', service: 'vpn', replica: 1, containerId: target.id },
        ],
      },
    ]);
    // Not deployed yet: the driver resolves it once the target runs.
    const cold = planProject(
      desiredOf(model(P, [vpn, service('app', { ipc: 'service:vpn' })])),
      actualOf([]),
      {
        pruneVolumes: false,
      },
    );
    expect(cold.find((a) => a.kind === 'create' && a.service === 'app')).toMatchObject({
      joins: [{ key: 'ipc', service: 'vpn', replica: 1 }],
    });
    for (const value of [
      'container:other_vpn_1',
      'container:proj-vpn-1',
      'service:ghost',
      'container:proj_vpn_2',
    ]) {
      const [action] = planProject(
        desiredOf(model(P, [vpn, service('app', { networkMode: value })])),
        actualOf([target]),
        { pruneVolumes: false },
      );
      expect(action, value).toMatchObject({
        kind: 'create',
        service: 'app',
        refused: expect.stringContaining(value),
      });
    }
  });

  it('summarises a plan for humans', () => {
    const actions = planProject(desiredOf(model(P, [web])), actualOf([container(P, db, 1)]), {
      pruneVolumes: false,
    });
    expect(describePlan(actions)).toBe('+2 created, 0 recreated, 0 started, 1 removed');
    expect(describePlan([])).toBe('no changes');
  });
});

describe('dependencyOrder', () => {
  const dep = { condition: 'service_started' as const, required: true, restart: false };
  it('puts dependencies first and breaks ties by name', () => {
    const services = model(P, [
      service('web', { dependsOn: { api: dep } }),
      service('api', { dependsOn: { db: dep, cache: dep } }),
      service('db'),
      service('cache'),
      service('admin'),
    ]).services;
    expect(dependencyOrder(services)).toEqual(['admin', 'cache', 'db', 'api', 'web']);
  });
  it('does not loop on a cycle', () => {
    const services = model(P, [
      service('a', { dependsOn: { b: dep } }),
      service('b', { dependsOn: { a: dep } }),
    ]).services;
    expect(dependencyOrder(services).sort()).toEqual(['a', 'b']);
  });
});
