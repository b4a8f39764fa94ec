import type { ServiceSpec, StackModel } from '../../../src/stack/model.js';
import type { ActualContainer } from '../../../src/model/actual-state.js';
import { serviceConfigHash } from '../../../src/reconciler/hash.js';
import type { DesiredState } from '../../../src/reconciler/plan.js';

export function service(name: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    image: 'spin-test/busybox:1',
    replicas: 1,
    environment: {},
    labels: {},
    ports: [],
    mounts: [],
    networks: { default: { aliases: [] } },
    dependsOn: {},
    restart: 'unless-stopped',
    stopGracePeriodSeconds: 10,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    extraHosts: [],
    dns: [],
    dnsSearch: [],
    sysctls: {},
    ulimits: {},
    tmpfs: [],
    limits: {},
    reservations: {},
    updateConfig: {
      parallelism: 1,
      delayMs: 0,
      order: 'stop-first',
      failureAction: 'pause',
      monitorMs: 5000,
    },
    ...overrides,
  };
}

export function model(project: string, services: ServiceSpec[]): StackModel {
  return {
    project,
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    networks: { default: { name: 'default', driver: 'bridge', internal: false, labels: {} } },
    volumes: {},
  };
}

export function desiredOf(m: StackModel, commit = 'c'.repeat(40)): DesiredState {
  const hashes = Object.fromEntries(
    Object.values(m.services).map((s) => [s.name, serviceConfigHash(m.project, s)]),
  );
  return { model: m, commit, hashes };
}

let nextId = 0;
export function container(
  project: string,
  spec: ServiceSpec,
  replica: number,
  overrides: Partial<ActualContainer> = {},
): ActualContainer {
  nextId++;
  return {
    id: `id${nextId}`,
    name: `${project}_${spec.name}_${replica}`,
    project,
    service: spec.name,
    replica,
    commit: 'c'.repeat(40),
    configHash: serviceConfigHash(project, spec),
    state: 'running',
    health: 'none',
    image: spec.image,
    createdAt: 1000 + nextId,
    labels: {},
    ...overrides,
  };
}
