/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig } from '@cdp360/config';
import { refreshProductPopularity, runBatch } from '@cdp360/postgres';
import { createApiKey, type RunningServe, startServe } from '@cdp360/serve';
import { type BrowserContext, chromium } from 'playwright-core';
import { REPO_ROOT } from '../helpers/cdp-process';
import { seededRandom } from '../helpers/crash';
import { withDatabase } from '../helpers/database';
import {
  makeCampaign,
  makeCustomer,
  makeInteraction,
  makeProduct,
  makePurchase,
  makeResponse,
  makeSession,
} from '../helpers/facts';

// The dashboard in Debian's Chromium over a small generated data set: the charts' numbers are the
// table's counts, a customer page renders the Mermaid journey with a node class per touchpoint kind,
// and the page logs no error. Screenshots go to test-results/ (git-ignored).
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, 'test-results', 'dashboard');
const db = withDatabase();
const key = createApiKey('dashboard', ['profiles:read', 'profiles:read-pii']);
let serve: RunningServe;
let context: BrowserContext;
let profileDir: string;
const CUSTOMERS = 150;
const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const p = db.pool;
  const rnd = seededRandom(12);
  const pick = (n: number) => Math.floor(rnd() * n);
  for (let i = 1; i <= 20; i++) {
    await makeProduct(p, {
      product_id: i,
      category: ['Books', 'Toys', 'Garden'][i % 3],
      brand: ['Acme', 'Zeta'][i % 2],
      name: `P${i}`,
    });
  }
  await makeCampaign(p, { campaign_id: 1, campaign_name: 'Spring' });
  for (let c = 1; c <= CUSTOMERS; c++) {
    await makeCustomer(p, { customer_id: c, email: `c${c}@example.com` });
    const everything = c === 1;
    for (let k = 0; k < (everything ? 2 : pick(4)); k++) {
      await makeSession(p, {
        customer_id: c,
        visit_date: day(pick(690)),
        pages_viewed: 1 + pick(9),
        time_spent: 30 + pick(600),
      });
    }
    for (let k = 0; k < (everything ? 2 : pick(6)); k++) {
      const cents = 500 + pick(800_000);
      await makePurchase(p, {
        customer_id: c,
        purchase_date: day(pick(690)),
        total_amount: (cents / 100).toFixed(2),
        items: [{ product_id: 1 + pick(20), amount: (cents / 100).toFixed(2) }],
      });
    }
    if (everything || rnd() < 0.3) await makeInteraction(p, { customer_id: c, interaction_date: day(pick(690)) });
    if (everything || rnd() < 0.3)
      await makeResponse(p, { customer_id: c, campaign_id: 1, response_date: day(pick(690)) });
  }
  await runBatch(p, { asOf: '2026-11-30' });
  await refreshProductPopularity(p);
  const dir = mkdtempSync(path.join(tmpdir(), 'cdp-dash-'));
  writeFileSync(path.join(dir, 'keys.json'), JSON.stringify([key.entry]));
  serve = await startServe({
    config: loadConfig({ DATABASE_URL: db.url, CDP_HTTP_PORT: '0', CDP_API_KEYS_FILE: path.join(dir, 'keys.json') }),
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
  });
  profileDir = mkdtempSync(path.join(tmpdir(), 'cdp-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1400, height: 1100 },
  });
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await serve?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

type Counts = Map<string, number>;
async function counts(sql: string): Promise<Counts> {
  const res = await db.pool.query<{ key: string; n: number }>(sql);
  return new Map(res.rows.map((r) => [r.key, r.n]));
}

it('draws the overview charts with the database counts, without console errors', async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${serve.url}/`);
  await page.fill('#key', key.key);
  await page.click('#login-form button');
  await page.waitForSelector('body[data-ready="overview"]', { timeout: 30_000 });
  await page.screenshot({ path: path.join(SHOTS, 'overview.png'), fullPage: true });

  const charts = await page.evaluate(() => {
    type Trace = { labels?: string[]; values?: number[]; x?: string[]; y?: number[]; customdata?: number[] };
    const data = (id: string) => (document.getElementById(id) as unknown as { data: Trace[] }).data[0] as Trace;
    return {
      segments: data('chart-segments'),
      churn: data('chart-churn'),
      clv: data('chart-clv'),
      ltv: data('chart-ltv'),
      engagement: data('chart-engagement'),
    };
  });
  const zip = (k: string[] = [], v: number[] = []) => new Map(k.map((x, i) => [x, v[i] ?? Number.NaN]));
  expect(zip(charts.segments.labels, charts.segments.values)).toEqual(
    await counts("SELECT coalesce(customer_segment, 'none') AS key, count(*)::int AS n FROM customer_360 GROUP BY 1"),
  );
  expect(zip(charts.churn.x, charts.churn.y)).toEqual(
    await counts(
      "SELECT coalesce(churn_risk_score::text, 'never purchased') AS key, count(*)::int AS n FROM customer_360 GROUP BY 1",
    ),
  );
  expect(zip(charts.clv.x, charts.clv.customdata)).toEqual(
    await counts(
      "SELECT coalesce(customer_lifetime_value_score::text, 'unscored') AS key, count(*)::int AS n FROM customer_360 GROUP BY 1",
    ),
  );
  const ltvTotal = (charts.ltv.y ?? []).reduce((a, b) => a + b, 0);
  expect(ltvTotal).toBe(CUSTOMERS);
  const over1000 = await db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM customer_360 WHERE total_lifetime_value >= 1000 AND total_lifetime_value < 2500',
  );
  expect(zip(charts.ltv.x, charts.ltv.y).get('1000-2500')).toBe(over1000.rows[0]?.n);
  expect((charts.engagement.customdata ?? []).reduce((a, b) => a + b, 0)).toBe(CUSTOMERS);
  expect(errors).toEqual([]);
  await page.close();
});

it('shows a customer with the journey diagram (a node class per touchpoint kind) and recommendations', async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${serve.url}/`);
  await page.fill('#key', key.key);
  await page.click('#login-form button');
  await page.waitForSelector('body[data-ready="overview"]', { timeout: 30_000 });
  await page.goto(`${serve.url}/customer?q=c1%40EXAMPLE.com`);
  await page.waitForSelector('body[data-ready="customer"]', { timeout: 30_000 });
  await page.screenshot({ path: path.join(SHOTS, 'customer.png'), fullPage: true });
  expect(await page.textContent('#customer-title')).toBe('Customer 1');
  const kinds = await page.evaluate(() =>
    [...document.querySelectorAll('#journey svg g.node')].flatMap((n) =>
      ['session', 'purchase', 'service', 'campaign_response'].filter((k) => n.classList.contains(k)),
    ),
  );
  expect(new Set(kinds)).toEqual(new Set(['session', 'purchase', 'service', 'campaign_response']));
  const stages = await db.pool.query<{ n: number }>(
    'SELECT (SELECT count(*) FROM website_behavior WHERE customer_id = 1) + (SELECT count(*) FROM purchase_transactions WHERE customer_id = 1) + 2 AS n',
  );
  expect(kinds.length).toBeGreaterThanOrEqual(4);
  expect(kinds.length).toBeLessThanOrEqual(Number(stages.rows[0]?.n));
  expect(await page.locator('#recommendations li').count()).toBeGreaterThan(0);
  expect(await page.textContent('#profile')).toContain('c1@example.com');
  expect(errors).toEqual([]);
  await page.close();
});
