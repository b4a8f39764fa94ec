import type { Locator, Page } from 'playwright-core';
import { selectors, type Field } from '../../../src/dashboard/selectors.js';

/**
 * The dashboard as a browser test sees it. All selectors live here (built from the renderer's own
 * data-attribute contract), so pointing the browser test at the real daemon needs only a URL.
 */
export class DashboardPage {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  async openList(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/`);
    await this.page.locator('main h1').waitFor();
  }

  row(project: string): Locator {
    return this.page.locator(selectors.projectRow(project));
  }

  async projectNames(): Promise<string[]> {
    return this.page
      .locator('tbody tr[data-project]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-project') ?? ''));
  }

  /** What a screen reader gets from a list cell, e.g. "Sync: OutOfSync". */
  cellText(project: string, field: Field): Promise<string> {
    return accessibleText(this.row(project).locator(selectors.field(field)));
  }

  /** The same fields on a project page's overview block. */
  overviewText(project: string, field: Field): Promise<string> {
    return accessibleText(this.page.locator(selectors.projectBlock(project)).locator(selectors.field(field)));
  }

  /** The list cell whose accessible name (computed by the browser) is exactly `name`. */
  cellByName(project: string, name: string): Locator {
    return this.row(project).getByRole('cell', { name, exact: true });
  }

  async openProject(project: string): Promise<void> {
    await this.row(project).getByRole('link', { name: project, exact: true }).click();
    await this.page.waitForURL(`**/projects/${encodeURIComponent(project)}`);
    await this.page.getByRole('heading', { level: 1, name: project }).waitFor();
  }

  async containerNames(): Promise<string[]> {
    return this.page
      .locator(selectors.containerRows)
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-container') ?? ''));
  }

  liveRegionText(): Promise<string> {
    return accessibleText(this.page.locator(selectors.live));
  }
}

/** Text content without aria-hidden parts, whitespace collapsed: what assistive technology reads. */
export function accessibleText(locator: Locator): Promise<string> {
  return locator.evaluate((root) => {
    const parts: string[] = [];
    const walk = (node: Node) => {
      if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
      else if (node instanceof Element && node.getAttribute('aria-hidden') !== 'true')
        node.childNodes.forEach(walk);
    };
    walk(root);
    return parts.join('').replace(/\s+/g, ' ').trim();
  });
}
