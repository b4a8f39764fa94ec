import { describe, expect, it } from 'vitest';
import { dockerRules } from '../../../src/drivers/docker/rules.js';
import { resolvePolicy } from '../../../src/policy/index.js';
import { loadDesired } from '../../../src/reconciler/desired.js';
import { formatDiagnostic } from '../../../src/stack/diagnostics.js';
import type { FileReader } from '../../../src/stack/source.js';
import { ServiceMemoryDriver } from '../reconciler/service-memory-driver.js';

/** The gate refuses, located, what the configured engine cannot do, before anything is applied. */
const resolved = resolvePolicy(undefined, {});
if (!resolved.ok) throw new Error(resolved.error);
const policy = resolved.policy;

const stack = `services:
  db:
    image: spin-test/busybox:1
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    deploy: { resources: { limits: { memory: 32m, cpus: "0.2" } } }
  web:
    image: spin-test/busybox:1
    depends_on:
      db: { condition: service_healthy }
    ports: ["8080:80"]
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    deploy: { resources: { limits: { memory: 32m, cpus: "0.2" } } }
`;

const reader: FileReader = {
  readFile: async (path) => (path === 'compose.yaml' ? new TextEncoder().encode(stack) : undefined),
};
const load = (engine: Parameters<typeof loadDesired>[2]['engine']) =>
  loadDesired(reader, 'c0ffee', { project: 'caps', env: {}, stackDir: '', policy, engine });

describe('engine capabilities at the gate', () => {
  it('accepts on Docker a stack that uses what Docker can do', async () => {
    const verdict = await load(dockerRules);
    expect(verdict.ok).toBe(true);
  });

  it('refuses each use of what the engine cannot do, located, with what to do about it', async () => {
    const verdict = await load(new ServiceMemoryDriver());
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(
        /^compose\.yaml:10:\d+: engine\.unsupported: depends_on condition service_healthy is not supported by the service-memory engine; remove it/,
      ),
      expect.stringMatching(
        /^compose\.yaml:11:13: engine\.unsupported: a published host port is not supported/,
      ),
    ]);
  });
});
