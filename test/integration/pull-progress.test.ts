/**
 * Pull progress with a real registry and an image of a few MB the engine does not have: the
 * daemon logs throttled pull reports (per finished layer) and `spin sync` shows them while the
 * pass runs (the live status's `progress`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, requireDocker } from '../helpers/docker.js';
import { BUSYBOX_IMAGE } from '../helpers/images.js';
import { HARDENING, LIMITS, projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { runSpin } from '../helpers/spin-cli.js';

const BLOB_BYTES = 6_000_000;
const WRITE = `write-${Date.now().toString(36)}-token-for-sync`;
let registry: TestRegistry;
let f: ProjectFixture;
let ref: string;

beforeAll(async () => {
  await requireDocker();
  registry = await startRegistry();
  // The project runs only when `spin sync` asks, so the pull happens in that pass.
  f = await projectFixture('pullprog', {
    project: { suspended: true },
    config: { api: { writeToken: WRITE } },
  });
  // An image with a layer of random bytes (incompressible): busybox plus /blob.
  const builder = await docker().createContainer({
    Image: BUSYBOX_IMAGE,
    Cmd: ['sh', '-c', `head -c ${BLOB_BYTES} /dev/urandom > /blob`],
    Labels: { 'spin-test': f.project },
  });
  await builder.start();
  await builder.wait();
  const local = `spin-test/${f.project}`;
  await builder.commit({ repo: local, tag: '1', changes: ['CMD ["sleep", "3600"]'] });
  await builder.remove();
  await registry.push(`${local}:1`, `lab/${f.project}`, '1');
  // Gone from the engine, so the daemon must pull it (the busybox layer is there already).
  await docker().getImage(`${local}:1`).remove({ force: true });
  ref = `${registry.host}/lab/${f.project}:1`;
  await f.push(
    {
      'compose.yaml': `services:
  big:
    image: ${ref}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    healthcheck: { test: ["CMD", "true"], interval: 1s, timeout: 5s, retries: 3 }
    stop_grace_period: 1s
    deploy: { ${LIMITS} }
${HARDENING}`,
    },
    'big image',
  );
  await f.startDaemon();
}, 180_000);

afterAll(async () => {
  await f?.cleanup();
  await registry?.stop();
});

describe('pull progress', () => {
  it('is logged per finished layer and shown by spin sync while the pass runs', async () => {
    const daemon = f.daemon;
    if (!daemon) throw new Error('no daemon');
    const sync = await runSpin(['sync', f.project, '--server', daemon.apiUrl, '--token', WRITE], {
      timeoutMs: 180_000,
    });
    expect(sync.code, sync.stderr).toBe(0);
    const pulled = daemon.logs.find(
      (l) => l.msg === 'image pulled' && String(l.ref).startsWith(registry.host),
    );
    expect(pulled).toBeDefined();
    expect(pulled?.layersDone).toBe(pulled?.layers);
    expect(Number(pulled?.totalBytes)).toBeGreaterThanOrEqual(BLOB_BYTES);
    const reports = daemon.logs.filter((l) => l.msg === 'image pull progress' && l.project === f.project);
    expect(reports.length).toBeGreaterThan(0);
    expect(sync.stderr).toMatch(
      new RegExp(
        `pull(ing|ed) ${registry.host.replace(/\./g, '\\.')}/lab/${f.project}@sha256:[0-9a-f]+: \\d+/\\d+ layers`,
      ),
    );
  });
});
