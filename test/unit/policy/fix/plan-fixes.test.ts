/**
 * `spin validate --fix`'s planner against the real loader and policy: the fixed text passes the
 * default policy, a second run changes nothing, every line of the original survives in order
 * (comments, anchors, quoting, blank lines), and what it must not decide is left for a person.
 */
import { describe, expect, it } from 'vitest';
import {
  applyPolicyDefaults,
  checkPolicy,
  resolvePolicy,
  type ResolvedPolicy,
} from '../../../../src/policy/index.js';
import { planFixes, imagesToPin } from '../../../../src/policy/fix/plan-fixes.js';
import type { Diagnostic } from '../../../../src/stack/diagnostics.js';
import { loadStack } from '../../../../src/stack/load.js';

function defaultPolicy(): ResolvedPolicy {
  const resolved = resolvePolicy(undefined, {});
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.policy;
}

async function findings(text: string, policy = defaultPolicy()): Promise<Diagnostic[]> {
  const reader = {
    readFile: async (file: string) => (file === 'compose.yaml' ? new TextEncoder().encode(text) : undefined),
  };
  const loaded = await loadStack(reader, { project: 'lab', env: {} });
  if (!loaded.ok) return loaded.diagnostics.filter((d) => !d.rule.startsWith('ignored.'));
  const model = applyPolicyDefaults(loaded.model, policy);
  return checkPolicy({ document: loaded.document, model, project: 'lab', stackDir: '' }, policy);
}

async function fix(text: string, digests?: Map<string, string>) {
  const policy = defaultPolicy();
  return planFixes({ file: 'compose.yaml', text, findings: await findings(text, policy), policy, digests });
}

/** Every line of `before` appears in `after`, in the same order (insertions only). */
function keepsEveryLine(before: string, after: string): boolean {
  const rest = after.split('\n');
  let at = 0;
  for (const line of before.split('\n')) {
    const found = rest.indexOf(line, at);
    if (found < 0) return false;
    at = found + 1;
  }
  return true;
}

const LAPTOP = `# laptop stack, as written on a laptop
x-restart: &restart
  restart: unless-stopped   # keep it up

services:
  web:
    <<: *restart
    image: 'nginx:1.27'
    ports:
      - "8080:80"
    depends_on: [db]

  db:
    image: "postgres:16"   # the database
    environment:
      POSTGRES_PASSWORD: example
    volumes:
    - db-data:/var/lib/postgresql/data
    cap_drop:
    - NET_RAW
    deploy:
      replicas: 1

volumes:
  db-data: {}
`;

describe('planFixes', () => {
  it('adds cap_drop ALL, no-new-privileges and limits, and the result passes the default policy', async () => {
    expect((await findings(LAPTOP)).map((d) => d.rule)).toContain('privilege.cap-drop-all');
    const plan = await fix(LAPTOP);
    expect(plan.skipped).toEqual([]);
    expect(await findings(plan.text)).toEqual([]);
    expect(plan.text).toContain('    cap_drop: [ALL]\n    security_opt: [no-new-privileges:true]\n');
    expect(plan.text).toContain('    - NET_RAW\n    - ALL\n');
    expect(plan.text).toContain(
      '      replicas: 1\n      resources:\n        limits:\n          memory: 512MiB\n          cpus: "1"\n          pids: 1024\n',
    );
    expect(plan.applied.map((a) => `${a.service} ${a.rule}`)).toEqual([
      'web privilege.cap-drop-all',
      'web privilege.no-new-privileges',
      'web resources.limits-required',
      'db privilege.no-new-privileges',
      'db privilege.cap-drop-all',
      'db resources.limits-required',
    ]);
  });

  it('touches nothing else: comments, anchors, quoting and blank lines survive', async () => {
    const plan = await fix(LAPTOP);
    expect(keepsEveryLine(LAPTOP, plan.text)).toBe(true);
    expect(plan.text).toContain("    image: 'nginx:1.27'\n");
    expect(plan.text).toContain('  restart: unless-stopped   # keep it up\n');
  });

  it('is idempotent: a second run finds nothing to change', async () => {
    const once = (await fix(LAPTOP)).text;
    const twice = await fix(once);
    expect(twice.text).toBe(once);
    expect(twice.applied).toEqual([]);
  });

  it('appends to a list written at the indentation of its key before adding the next key', async () => {
    const text = 'services:\n  db:\n    image: postgres:16\n    cap_drop:\n    - NET_RAW\n';
    const plan = await fix(text);
    expect(plan.text).toBe(
      'services:\n  db:\n    image: postgres:16\n    cap_drop:\n    - NET_RAW\n    - ALL\n    security_opt: [no-new-privileges:true]\n    deploy:\n      resources:\n        limits:\n          memory: 512MiB\n          cpus: "1"\n          pids: 1024\n',
    );
    expect(await findings(plan.text)).toEqual([]);
  });

  it('writes flow mappings in flow style', async () => {
    const text = 'services:\n  web: {image: "nginx:1.27"}\n';
    const plan = await fix(text);
    expect(plan.text).toBe(
      'services:\n  web: {image: "nginx:1.27", cap_drop: [ALL], security_opt: [no-new-privileges:true], deploy: {resources: {limits: {memory: 512MiB, cpus: "1", pids: 1024}}}}\n',
    );
    expect(await findings(plan.text)).toEqual([]);
  });

  it('keeps the legacy limit keys when the service uses them', async () => {
    const text =
      'services:\n  web:\n    image: nginx:1.27\n    mem_limit: 256m\n    cap_drop: [ALL]\n    security_opt: [no-new-privileges:true]\n';
    const plan = await fix(text);
    expect(plan.text).toContain('    mem_limit: 256m\n');
    expect(plan.text).toContain('    cpus: "1"\n');
    expect(await findings(plan.text)).toEqual([]);
  });

  it('makes repository binds read-only, short and long syntax', async () => {
    const text = [
      'services:',
      '  web:',
      '    image: nginx:1.27',
      '    cap_drop: [ALL]',
      '    security_opt: [no-new-privileges:true]',
      '    deploy: {resources: {limits: {memory: 64m, cpus: "0.5"}}}',
      '    volumes:',
      '      - ./nginx.conf:/etc/nginx/nginx.conf',
      '      - "./site.conf:/etc/nginx/conf.d/site.conf:rw"',
      '      - type: bind',
      '        source: ./index.html',
      '        target: /usr/share/nginx/html/index.html',
      '',
    ].join('\n');
    const plan = await fix(text);
    expect(plan.text).toContain('      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n');
    expect(plan.text).toContain('      - "./site.conf:/etc/nginx/conf.d/site.conf:ro"\n');
    expect(plan.text).toContain(
      '        target: /usr/share/nginx/html/index.html\n        read_only: true\n',
    );
    expect((await findings(plan.text)).filter((d) => d.rule === 'mounts.repo-writable')).toEqual([]);
  });

  it('pins an unpinned image to the digest the engine holds, keeping the tag and the quotes', async () => {
    const text = 'services:\n  web:\n    image: "nginx:latest"\n';
    expect(imagesToPin(text, await findings(text))).toEqual(['nginx:latest']);
    const digest = `sha256:${'a'.repeat(64)}`;
    const plan = await fix(text, new Map([['nginx:latest', digest]]));
    expect(plan.text).toContain(`    image: "nginx:latest@${digest}"\n`);
    expect(await findings(plan.text)).toEqual([]);
  });

  it('leaves images alone, and says why, when the engine was not asked or holds no digest', async () => {
    const text = 'services:\n  web:\n    image: nginx\n';
    const unasked = await fix(text);
    expect(unasked.text).not.toContain('@sha256');
    expect(unasked.skipped.map((s) => [s.finding.rule, s.reason])).toEqual([
      ['image.tag-required', expect.stringContaining('engine was not asked')],
    ]);
    const unknown = await fix(text, new Map());
    expect(unknown.skipped[0]?.reason).toContain('no registry digest for "nginx"');
  });

  it('never takes away what the stack asks for: privileged, capabilities, low ports stay for a person', async () => {
    const text = [
      'services:',
      '  web:',
      '    image: nginx:1.27',
      '    privileged: true',
      '    cap_add: [SYS_ADMIN]',
      '    ports: ["80:80"]',
      '',
    ].join('\n');
    const plan = await fix(text);
    expect(plan.text).toContain('    privileged: true\n    cap_add: [SYS_ADMIN]\n    ports: ["80:80"]\n');
    const left = (await findings(plan.text)).map((d) => d.rule).sort();
    expect(left).toEqual(['ports.privileged', 'privilege.cap-add', 'privilege.privileged']);
  });

  it('does not guess at a list it cannot append to, or a key set through a merge', async () => {
    const text = [
      'x-base: &base',
      '  cap_drop: [NET_RAW]',
      'services:',
      '  web:',
      '    <<: *base',
      '    image: nginx:1.27',
      '    security_opt: [no-new-privileges:false]',
      '    deploy: {resources: {limits: {memory: 64m, cpus: "0.5"}}}',
      '',
    ].join('\n');
    const plan = await fix(text);
    expect(plan.skipped.map((s) => s.finding.rule)).toContain('privilege.cap-drop-all');
    expect(plan.skipped.find((s) => s.finding.rule === 'privilege.cap-drop-all')?.reason).toContain(
      'merged anchor',
    );
    expect(plan.skipped.find((s) => s.finding.rule === 'privilege.no-new-privileges')?.reason).toContain(
      'already sets no-new-privileges',
    );
    expect(plan.text).toBe(text);
  });
});
