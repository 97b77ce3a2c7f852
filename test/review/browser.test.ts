import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PLAN, REPO_ROOT, SEED_003_WORLD, cli, rehearse, tempDir, writeWorld } from '../helpers/sandbox-runs.js';

// The review page in a real headless Chromium: it must render every cluster and the run's current
// states without a console error and without a single request beyond the file itself.

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CLUSTERS = ['blue', 'green', 'gray'];

let context: BrowserContext | undefined;
const scratch: string[] = [];
let runPage: string;
let planPage: string;
let planOnlyStderr: string;

/** The default credential chain finds nothing: no environment keys, no shared files, no instance role. */
function withoutAwsCredentials(dir: string): void {
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium). The review page is tested in a real browser; this test does not skip.`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const base = tempDir('quiesce-review-');
  scratch.push(base);
  const { runId, stateDir } = await rehearse('paused', base);
  runPage = join(base, 'review-run.html');
  const withRun = await cli(['review', PLAN, '--sandbox', writeWorld(base, 'seed-003.yaml', SEED_003_WORLD), '--run', runId, '--state-dir', stateDir, '--out', runPage]);
  if (withRun.code !== 0) throw new Error(`review --run failed: ${withRun.stderr}`);

  withoutAwsCredentials(base);
  planPage = join(base, 'review-plan.html');
  const planOnly = await cli(['review', PLAN, '--out', planPage]);
  if (planOnly.code !== 0) throw new Error(`review without credentials failed: ${planOnly.stderr}`);
  planOnlyStderr = planOnly.stderr;

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
  vi.unstubAllEnvs();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

interface Visit {
  page: Page;
  url: string;
  requests: string[];
  errors: string[];
}

async function visit(file: string): Promise<Visit> {
  const page = await context!.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  // A CSP violation is reported as a console error too, so "no console errors" covers it.
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  return { page, url, requests, errors };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  expect(existsSync(file)).toBe(true);
  expect(statSync(file).size).toBeGreaterThan(1000);
  expect(readFileSync(file).subarray(0, 8).equals(PNG)).toBe(true);
}

function expectSelfContained(v: Visit): void {
  expect(v.errors).toEqual([]);
  expect(v.requests.length).toBeGreaterThan(0);
  expect(v.requests.filter((r) => r !== v.url)).toEqual([]);
}

describe('review page with the seed-003 run overlaid', () => {
  it('uses Debian chromium at /usr/bin/chromium', () => {
    expect(existsSync(CHROMIUM), `install Debian's chromium package: ${CHROMIUM} is missing`).toBe(true);
  });

  it('renders every cluster, highlights each current state, and requests nothing', async () => {
    const v = await visit(runPage);
    const { page } = v;
    expect(await page.title()).toBe('quiesce review: payments-core');
    expect(await page.locator('#fleet table.clusters tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cluster')))).toEqual(CLUSTERS);
    for (const name of CLUSTERS) {
      const article = page.locator(`article.cluster[data-cluster="${name}"]`);
      await expect.poll(() => article.isVisible()).toBe(true);
      expect(await article.locator('h2').innerText()).toContain(name);
      expect(await article.locator('.phase').count()).toBe(6);
    }

    // blue is paused: named in text, outlined in its own diagram, the states it went through filled.
    const current = page.locator('article.cluster[data-cluster="blue"] .current-state');
    expect(await current.innerText()).toBe('paused');
    expect(await current.getAttribute('data-state')).toBe('paused');
    // An expression string runs in the page (the project's TypeScript has no DOM lib). Inline CSS must apply under the CSP.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('article.cluster[data-cluster="blue"] .current-state')).borderTopColor`)).toBe('rgb(37, 99, 235)');
    const blueSvg = page.locator('article.cluster[data-cluster="blue"] .diagram svg');
    expect(await blueSvg.locator('g.state.highlight').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')))).toEqual(['paused']);
    const visited = await blueSvg.locator('g.state.visited').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')));
    expect(visited).toEqual(expect.arrayContaining(['preflight', 'removing', 'confirming', 'draining', 'draining.checking', 'paused']));
    expect(visited).not.toContain('maintaining');
    expect(await page.locator('#run .current-state[data-cluster="blue"]').innerText()).toBe('paused');

    for (const name of ['green', 'gray']) {
      const article = page.locator(`article.cluster[data-cluster="${name}"]`);
      expect(await article.locator('.current-state').count()).toBe(0);
      expect(await article.innerText()).toContain('not started');
      expect(await article.locator('g.state.highlight').count()).toBe(0);
    }
    expect(await page.locator('[data-machine="fleet"] g.state.highlight').getAttribute('data-state')).toBe('rolling');

    // The timeline and the observed values, as `quiesce report` tells them.
    const timeline = await page.locator('#timeline').innerText();
    expect(timeline).toContain('drift detected: payments-blue weight expected 0, live 1');
    expect(timeline).toContain('payments-blue: expected weight 0, live weight 1');
    expect(timeline).toMatch(/2026-01-05 09:01:00Z\s*sandbox\s*ModifyListener on listener\/app\/payments\/\S+ by script:manualWeight/);
    const failedRow = page.locator('article.cluster[data-cluster="blue"] table.observations tr.tone-failed');
    expect(await failedRow.innerText()).toMatch(/weight\s+FAILED\s+weight 1/);
    expect(await page.locator('#estimates').innerText()).toContain('read from sandbox');
    expect(await page.locator('#permissions').innerText()).toContain('elasticache:TestFailover');

    expectSelfContained(v);
    await screenshot(page, 'review-run.png');
    await page.close();
  });
});

describe('review page without sandbox and without AWS credentials', () => {
  it('falls back to plan-only estimates, says so, and still requests nothing', async () => {
    expect(planOnlyStderr).toContain('plan-only estimates');
    const v = await visit(planPage);
    const { page } = v;
    const callout = await page.locator('#estimates .callout.plan-only').innerText();
    expect(callout).toContain('Plan-only estimates.');
    expect(callout).toContain('no AWS credentials');
    for (const name of CLUSTERS) expect(await page.locator(`article.cluster[data-cluster="${name}"]`).isVisible()).toBe(true);
    expect(await page.locator('.current-state').count()).toBe(0);
    expect(await page.locator('[data-machine="cluster"] svg g.state').count()).toBeGreaterThan(10);
    expect(await page.locator('[data-machine="fleet"] svg g.state').count()).toBeGreaterThan(2);
    expect(await page.locator('#run, #timeline').count()).toBe(0);
    expectSelfContained(v);
    await screenshot(page, 'review-plan-only.png');
    await page.close();
  });
});

describe('the cluster machine, readable at page width (issue 20.7)', () => {
  it('draws the main path and the grouped exceptions with labels of a readable size, each inside its box', async () => {
    const v = await visit(planPage);
    const { page } = v;
    const overview = page.locator('#machines [data-machine="cluster-overview"] svg');
    expect(await overview.isVisible()).toBe(true);
    // The main path, in order, one box each.
    expect(await overview.locator('g.step').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-step')))).toEqual(['preflight', 'removing', 'confirming', 'draining', 'maintaining', 'verifying', 'reactivating', 'done']);
    expect(await overview.locator('g.group').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-group')))).toEqual(expect.arrayContaining(['held', 'aborted', 'paused', 'deregister']));
    // As drawn at this page width: every label at least 12 CSS pixels tall and inside its box, no two boxes overlapping.
    const boxes = (await page.evaluate(`[...document.querySelectorAll('#machines [data-machine="cluster-overview"] svg g.step, #machines [data-machine="cluster-overview"] svg g.group')].map((g) => {
      const r = g.querySelector('rect').getBoundingClientRect();
      return { id: g.getAttribute('data-step') || g.getAttribute('data-group'), box: [r.left, r.top, r.right, r.bottom], texts: [...g.querySelectorAll('text')].map((t) => { const b = t.getBoundingClientRect(); return { text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * (r.width / g.querySelector('rect').width.baseVal.value), box: [b.left, b.top, b.right, b.bottom] }; }) };
    })`)) as Array<{ id: string; box: number[]; texts: Array<{ text: string; px: number; box: number[] }> }>;
    expect(boxes.length).toBeGreaterThanOrEqual(12);
    for (const b of boxes) {
      for (const t of b.texts) {
        expect(t.px, `${b.id}: "${t.text}"`).toBeGreaterThanOrEqual(12);
        expect(t.box[3]! - t.box[1]!, `${b.id}: "${t.text}" height`).toBeGreaterThanOrEqual(12);
        expect(t.box[0]! >= b.box[0]! - 0.5 && t.box[2]! <= b.box[2]! + 0.5 && t.box[1]! >= b.box[1]! - 0.5 && t.box[3]! <= b.box[3]! + 0.5, `${b.id}: "${t.text}" inside its box`).toBe(true);
      }
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.box[2]! <= b.box[0]! || b.box[2]! <= a.box[0]! || a.box[3]! <= b.box[1]! || b.box[3]! <= a.box[1]!;
        expect(apart, `${a.id} and ${b.id} overlap`).toBe(true);
      }
    }
    // The full wiring diagram is still there, folded.
    expect(await page.locator('#machines details.full-machine [data-machine="cluster"] svg g.state').count()).toBeGreaterThan(10);
    expect(await page.locator('#machines details.full-machine').getAttribute('open')).toBeNull();
    const file = join(ARTIFACTS, 'review-cluster-machine.png');
    await overview.screenshot({ path: file });
    expect(readFileSync(file).subarray(0, 8).equals(PNG)).toBe(true);
    expectSelfContained(v);
    await page.close();
  });

  it('with a run, the overview outlines where each cluster is and fills the phases it went through', async () => {
    const v = await visit(runPage);
    const blue = v.page.locator('article.cluster[data-cluster="blue"] [data-machine="cluster-overview"] svg');
    expect(await blue.locator('g.highlight').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-group') ?? g.getAttribute('data-step')))).toEqual(['paused']);
    expect(await blue.locator('g.step.visited').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-step')))).toEqual(['preflight', 'removing', 'confirming', 'draining']);
    await v.page.close();
  });
});
