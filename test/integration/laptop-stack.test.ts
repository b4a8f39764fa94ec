/**
 * Issue 16, "getting a laptop stack onto Spin", on the real engine: a typical nginx + postgres
 * stack, written as people write it for `docker compose up`, fails `spin validate`; after
 * `spin validate --fix`, the one change it leaves for a person (a port below 1024) and the
 * documented recipes (docs/recipes.md) it passes, and the real daemon deploys it and reports it
 * healthy. Images cannot be pulled here, so busybox-based test images are tagged as stand-ins.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { docker, listProjectContainers, uniqueProject, waitFor } from '../helpers/docker.js';
import { BUSYBOX_IMAGE, WEB_IMAGE, WEB_PORT } from '../helpers/images.js';
import { projectFixture, type ProjectFixture } from '../helpers/project-fixture.js';
import { recipes } from '../helpers/recipes.js';
import { freePort } from '../helpers/registry.js';
import { runSpin } from '../helpers/spin-cli.js';

const standins = uniqueProject('laptop-images');
const NGINX = `${standins}/nginx:1.27`;
const POSTGRES = `${standins}/postgres:16`;

let f: ProjectFixture;
let port: number;

/** The laptop stack: ports, volumes, environment, depends_on; no hardening, no limits. */
const laptopStack = () => `# Our gateway: the site and its database.
services:
  web:
    image: ${NGINX}
    ports:
      - "80:${WEB_PORT}"
    volumes:
      - ./index.html:/www/index.html
    environment:
      - DATABASE_HOST=db
    depends_on:
      - db

  db:
    image: ${POSTGRES}
    environment:
      POSTGRES_USER: gateway
      POSTGRES_PASSWORD: example   # laptop only
    volumes:
      - db-data:/var/lib/postgresql/data

volumes:
  db-data:
`;

/** What a person does with a recipe: copy its capability, user, tmpfs and read_only lines. */
function applyRecipe(text: string, service: string, recipe: string): string {
  const doc = parseDocument(text);
  const from = (Object.values(
    (parse(recipe) as { services: Record<string, Record<string, unknown>> }).services,
  )[0] ?? {}) as Record<string, unknown>;
  for (const key of ['cap_add', 'user', 'tmpfs', 'read_only']) {
    if (from[key] !== undefined) doc.setIn(['services', service, key], from[key]);
  }
  return doc.toString();
}

beforeAll(async () => {
  // Stand-ins under the names people write: nginx serves files (busybox httpd), postgres idles.
  await docker()
    .getImage(WEB_IMAGE)
    .tag({ repo: `${standins}/nginx`, tag: '1.27' });
  const base = await docker().createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['true'] });
  try {
    await base.commit({ repo: `${standins}/postgres`, tag: '16', changes: 'CMD ["sleep", "86400"]' });
  } finally {
    await base.remove({ force: true });
  }
  f = await projectFixture('laptop');
  port = await freePort();
});

afterAll(async () => {
  await f?.cleanup();
  for (const image of [NGINX, POSTGRES]) {
    await docker()
      .getImage(image)
      .remove({ noprune: true })
      .catch(() => {});
  }
});

describe('a laptop nginx + postgres stack', () => {
  it('fails validate, passes after --fix plus the recipes, and runs healthy under the daemon', async () => {
    const dir = f.repo.dir;
    const file = path.join(dir, 'compose.yaml');
    await writeFile(file, laptopStack());
    await writeFile(path.join(dir, 'index.html'), 'hello from the laptop stack\n');

    const first = await runSpin(['validate', dir]);
    expect(first.code).toBe(1);
    for (const rule of [
      'privilege.cap-drop-all',
      'privilege.no-new-privileges',
      'resources.limits-required',
    ]) {
      expect(first.stderr).toContain(rule);
    }

    // --fix writes the hardening; the port below 1024 is left for a person, located.
    const fixed = await runSpin(['validate', dir, '--fix']);
    expect(fixed.code).toBe(1);
    expect(fixed.stdout).toContain('+    cap_drop: [ALL]');
    expect(fixed.stderr).toMatch(/^compose\.yaml:6:9: ports\.privileged: .*not fixed: needs a person/m);
    expect(fixed.stderr.trim().split('\n')).toHaveLength(1);

    // The person: a free host port, and the documented recipes for nginx and postgres.
    const documented = recipes();
    let text = (await readFile(file, 'utf8')).replace(`"80:${WEB_PORT}"`, `"127.0.0.1:${port}:${WEB_PORT}"`);
    text = applyRecipe(text, 'web', documented.get('nginx') ?? '');
    text = applyRecipe(text, 'db', documented.get('postgres') ?? '');
    await writeFile(file, text);
    const valid = await runSpin(['validate', dir]);
    expect(valid.code, valid.stderr).toBe(0);
    const again = await runSpin(['validate', dir, '--fix']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change; valid');

    const sha = await f.push({}, 'laptop stack, hardened');
    await f.startDaemon();
    await f.waitStatus(
      (s) => s.appliedCommit === sha && s.sync === 'Synced' && s.health === 'Healthy',
      'the laptop stack deployed and healthy',
      180_000,
    );
    const containers = await listProjectContainers(f.project);
    expect(containers.map((c) => [c.labels['spin.service'], c.state])).toEqual([
      ['db', 'running'],
      ['web', 'running'],
    ]);
    const web = await docker()
      .getContainer(containers[1]?.id ?? '')
      .inspect();
    expect(web.HostConfig.CapDrop).toEqual(['ALL']);
    expect(web.HostConfig.CapAdd).toEqual(expect.arrayContaining(['NET_BIND_SERVICE', 'SETUID']));
    expect(web.HostConfig.ReadonlyRootfs).toBe(true);
    expect(web.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(web.HostConfig.Memory).toBe(512 * 1024 * 1024);
    const page = await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/`)
          .then((r) => r.text())
          .catch(() => ''),
      {
        until: (body) => body.includes('hello from the laptop stack'),
        timeoutMs: 60_000,
        description: 'the site',
      },
    );
    expect(page).toContain('hello from the laptop stack');
  });
});
