import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/access/decide.js';
import { grantProblem, roleOn, sees, type Principal } from '../../../src/access/grants.js';
import { parseExpiry } from '../../../src/access/expiry.js';
import { roleIncludes } from '../../../src/access/roles.js';

const token = (projects: string[], role: 'read' | 'operate' | 'admin'): Principal => ({
  label: 'test',
  grants: [{ projects, role }],
});

describe('roles', () => {
  it('each role includes the ones below it and none above', () => {
    expect(roleIncludes('admin', 'operate')).toBe(true);
    expect(roleIncludes('operate', 'read')).toBe(true);
    expect(roleIncludes('read', 'operate')).toBe(false);
    expect(roleIncludes('operate', 'admin')).toBe(false);
  });

  it('a principal holds the highest role of the grants covering a project; * covers every one', () => {
    const p: Principal = {
      label: 'two grants',
      grants: [
        { projects: ['a', 'b'], role: 'read' },
        { projects: ['b'], role: 'operate' },
      ],
    };
    expect(roleOn(p, 'a')).toBe('read');
    expect(roleOn(p, 'b')).toBe('operate');
    expect(roleOn(p, 'c')).toBeUndefined();
    expect(sees(p, 'c')).toBe(false);
    expect(roleOn(token(['*'], 'read'), 'anything')).toBe('read');
  });
});

describe('decide', () => {
  const a = token(['a'], 'operate');

  it('allows what the role covers on the token’s own project', () => {
    expect(decide(a, { role: 'read', scope: 'project', project: 'a' })).toEqual({ ok: true });
    expect(decide(a, { role: 'operate', scope: 'project', project: 'a' })).toEqual({ ok: true });
  });

  it('refuses another project, naming the missing role, the same whether it exists or not', () => {
    const other = decide(a, { role: 'read', scope: 'project', project: 'b' });
    const missing = decide(a, { role: 'read', scope: 'project', project: 'no-such-project' });
    expect(other).toEqual({
      ok: false,
      error: "this needs role read on project 'b'; the token has no role there",
    });
    // The decision knows no project list: only the requested name differs between the two.
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.error.replace('no-such-project', 'b')).toBe(!other.ok && other.error);
  });

  it('tells a read token it is read-only when it asks to act', () => {
    const verdict = decide(token(['a'], 'read'), { role: 'operate', scope: 'project', project: 'a' });
    expect(verdict).toEqual({
      ok: false,
      error: "this token is read-only; this needs role operate on project 'a'; the token has role read there",
    });
  });

  it('needs a grant on * for what spans projects (metrics), and admin for daemon-wide acts', () => {
    expect(decide(a, { role: 'read', scope: 'all' }).ok).toBe(false);
    expect(decide(token(['*'], 'read'), { role: 'read', scope: 'all' }).ok).toBe(true);
    expect(decide(token(['*'], 'operate'), { role: 'admin', scope: 'all' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/needs role admin on every project \(\*\); the token has role operate/),
    });
    expect(decide(token(['*'], 'admin'), { role: 'admin', scope: 'all' }).ok).toBe(true);
  });

  it('lets any token with a role somewhere reach a listing (which then filters)', () => {
    expect(decide(a, { role: 'read', scope: 'any' }).ok).toBe(true);
    expect(decide({ label: 'none', grants: [] }, { role: 'read', scope: 'any' }).ok).toBe(false);
  });
});

describe('grantProblem', () => {
  it('refuses admin on a project list, empty lists and names the config would refuse', () => {
    expect(grantProblem({ projects: ['a'], role: 'admin' })).toMatch(/role admin covers the whole daemon/);
    expect(grantProblem({ projects: [], role: 'read' })).toMatch(/at least one project/);
    expect(grantProblem({ projects: ['A_b'], role: 'read' })).toMatch(/'A_b' is not a project name/);
    expect(grantProblem({ projects: ['a', 'b-2'], role: 'operate' })).toBeUndefined();
    expect(grantProblem({ projects: ['*'], role: 'admin' })).toBeUndefined();
  });
});

describe('parseExpiry', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');
  it('reads lifetimes and dates, refuses the past and nonsense', () => {
    expect(parseExpiry('30d', now)).toEqual({ at: '2026-12-31T00:00:00.000Z' });
    expect(parseExpiry('1w12h', now)).toEqual({ at: '2026-12-08T12:00:00.000Z' });
    expect(parseExpiry('2027-01-31', now)).toEqual({ at: '2027-01-31T00:00:00.000Z' });
    expect(parseExpiry('2026-01-01', now)).toEqual({ error: expect.stringMatching(/in the past/) });
    expect(parseExpiry('0d', now)).toEqual({ error: expect.stringMatching(/longer than 0/) });
    expect(parseExpiry('soon', now)).toEqual({ error: expect.stringMatching(/give a lifetime/) });
  });
});
