import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/schema.js';
import { PLAN, cli, tempDir, writeWorld } from '../helpers/sandbox-runs.js';
import { INTERNAL_RULE, TWO_BALANCERS_FILE, twoBalancersPlan } from '../helpers/two-balancers.js';

// The review page of a fleet behind two load balancers, in a real headless Chromium: the locations
// table names each listener, rule and the target group of each cluster there, as the plan says.

const CHROMIUM = '/usr/bin/chromium';

let context: BrowserContext | undefined;
const scratch: string[] = [];
let asWritten: string;
let withRule: string;
let oneLocation: string;

async function review(plan: string, out: string): Promise<string> {
  const r = await cli(['review', plan, '--plan-only', '--out', out]);
  if (r.code !== 0) throw new Error(`review ${plan} failed: ${r.stderr}`);
  return out;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium). The review page is tested in a real browser; this test does not skip.`);
  }
  const base = tempDir('quiesce-review-locations-');
  scratch.push(base);
  asWritten = await review(TWO_BALANCERS_FILE, join(base, 'two.html'));
  const ruleText = readFileSync(TWO_BALANCERS_FILE, 'utf8').replace(/(listenerArn: \S+payments-int\S+\n)/, `$1      ruleArn: ${INTERNAL_RULE}\n`);
  withRule = await review(writeWorld(base, 'two-rule.plan.yaml', ruleText), join(base, 'two-rule.html'));
  oneLocation = await review(PLAN, join(base, 'one.html'));
  const profile = tempDir('quiesce-chromium-');
  scratch.push(profile);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

async function open(file: string): Promise<{ page: Page; requests: string[]; errors: string[]; url: string }> {
  const page = await context!.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, errors, url };
}

/** The rows the locations table must show, from the parsed plan: name, listener, rule, and each cluster's target group there. */
function expectedRows(plan: Plan): string[][] {
  return plan.fleet.locations.map((l) => [
    l.name,
    l.listenerArn,
    l.ruleArn ?? "none: the listener's default action",
    plan.fleet.clusters
      .flatMap((c) => c.placements.filter((p) => p.location === l.name).map((p) => `${c.name}: ${p.targetGroupArn.split('/')[1]}\n${p.targetGroupArn}`))
      .join('\n'),
  ]);
}

async function locationRows(page: Page): Promise<string[][]> {
  return page.locator('#fleet table.locations tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td as unknown as { innerText: string }).innerText.trim())));
}

describe('review page of a fleet at two locations', () => {
  it('shows a visible locations table with each listener, rule and target group, and requests nothing', async () => {
    const { page, requests, errors, url } = await open(asWritten);
    const table = page.locator('#fleet table.locations');
    expect(await table.isVisible()).toBe(true);
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-location')))).toEqual(['external', 'internal']);
    expect(await locationRows(page)).toEqual(expectedRows(twoBalancersPlan()));
    expect(await page.locator('header.page .change').innerText()).toContain('on 3 clusters at 2 locations (external, internal), one at a time');
    expect(await page.locator('header.page .subtitle').innerText()).toMatch(/^3 clusters at 2 locations \(external, internal\) in us-east-1;/);
    // The table of the fleet names the locations instead of one listener; the table of contents links to them.
    const fleetRows = await page.locator('#fleet table.fleet th').allInnerTexts();
    expect(fleetRows).toContain('Locations');
    expect(fleetRows).not.toContain('Listener');
    expect(await page.locator('nav.toc a[href="#locations"]').innerText()).toBe('Locations');
    // Each cluster's row gives its target group at each location.
    const blue = await page.locator('#fleet table.clusters tr[data-cluster="blue"] .placement').allInnerTexts();
    expect(blue.map((t) => t.split('\n')[0])).toEqual(['external: payments-ext-blue', 'internal: payments-int-blue']);
    expect(errors).toEqual([]);
    expect(requests.filter((r) => r !== url)).toEqual([]);
    await page.close();
  });

  it("names the rule of a location whose forward action is a rule's", async () => {
    const { page } = await open(withRule);
    const rows = await locationRows(page);
    expect(rows).toEqual(expectedRows(twoBalancersPlan({ internalRule: true })));
    expect(rows[1]![2]).toBe(INTERNAL_RULE);
    await page.close();
  });

  it('keeps a one-listener page as it was: the listener in the fleet table, no locations table', async () => {
    const { page } = await open(oneLocation);
    expect(await page.locator('table.locations').count()).toBe(0);
    expect(await page.locator('nav.toc a[href="#locations"]').count()).toBe(0);
    expect(await page.locator('#fleet table.fleet th').allInnerTexts()).toContain('Listener');
    expect(await page.locator('header.page .subtitle').innerText()).toMatch(/^3 clusters behind one listener in us-east-1;/);
    await page.close();
  });
});
