import { describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../src/api/routes.js';
import { buildRoutes } from '../../../src/api/routes.js';
import { needOf } from '../../../src/api/route-access.js';
import { createLogger } from '../../../src/util/logger.js';

/**
 * The route table's access declarations, checked as data: a route about one project must declare
 * a role on that project (or a new route could leak another project to a scoped token), and every
 * write must need at least operate.
 */
const routes = buildRoutes({} as ApiDeps, { log: createLogger({ level: 'silent' }) });
const NAME = '([a-z0-9][a-z0-9-]*)';

describe('the API route table', () => {
  it('declares a role on the project for every route under /projects/<name>', () => {
    const perProject = routes.filter((r) => r.pattern.source.includes(`projects\\/${NAME}`));
    expect(perProject.length).toBeGreaterThan(8);
    for (const route of perProject) {
      expect(route.access, `${route.method} ${route.pattern}`).toMatchObject({ scope: 'project' });
      // The project is the first capture group: that is where needOf takes it from.
      const source = route.pattern.source;
      expect(source.indexOf('('), source).toBe(source.indexOf(NAME));
    }
  });

  it('takes the project of a request from the first capture group', () => {
    expect(needOf({ role: 'operate', scope: 'project' }, ['b', 'suspend'])).toEqual({
      role: 'operate',
      scope: 'project',
      project: 'b',
    });
    expect(() => needOf({ role: 'read', scope: 'project' }, [])).toThrow(/without a project/);
    expect(needOf({ role: 'read', scope: 'any' }, ['b'])).toEqual({ role: 'read', scope: 'any' });
  });

  it('makes every write need at least operate, and metrics a grant over all projects', () => {
    for (const route of routes.filter((r) => r.method !== 'GET' && r.access !== 'webhook')) {
      expect(route.access, `${route.method} ${route.pattern}`).toMatchObject({
        role: expect.stringMatching(/^(operate|admin)$/),
      });
    }
    const metrics = routes.find((r) => r.pattern.test('/metrics'));
    expect(metrics?.access).toEqual({ role: 'read', scope: 'all' });
  });
});
