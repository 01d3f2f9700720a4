// The local run page in Debian's Chromium (never a downloaded browser): fill a form, submit, watch the
// run page fill in live; screenshots go to test-output/ for a person to look at.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { simJson, startDevStack, type DevStack } from './stack.js';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-output');
let stack: DevStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  stack = await startDevStack();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const card = (title: string) => page.getByRole('region', { name: title, exact: true });

describe('the local run page', () => {
  it('when the example form is filled and submitted, then the run page shows the log line and SUCCESS', async () => {
    await simJson(stack.page, '/_sim/entities/service', { identifier: 'checkout', title: 'Checkout', properties: { tier: 'gold' } });
    await page.goto(`${stack.page}/`);
    await page.screenshot({ path: path.join(OUT, 'actions.png'), fullPage: true });
    const example = card('Create microservice');
    await example.getByLabel('Name').fill('my service');
    await example.getByLabel('Region').fill('eu-west-1');
    await example.getByRole('button', { name: 'Execute Create microservice' }).click();

    await page.waitForURL(/\/runs\/r_/);
    await page.locator('#log-lines li', { hasText: 'new entity: my_service' }).waitFor();
    await page.locator('[data-region="head"] .badge.success', { hasText: 'SUCCESS' }).waitFor();
    expect(await page.locator('[data-region="head"] .label').textContent()).toBe('Completed successfully!');
    expect(await page.locator('[data-region="entities"]').textContent()).toContain('eu-west-1');
    const routes = await page.locator('[data-region="requests"] tbody tr td:nth-child(3)').allTextContents();
    expect(routes).toContain('/v1/blueprints/{blueprint_identifier}/entities');
    await page.screenshot({ path: path.join(OUT, 'run-success.png'), fullPage: true });
  });

  it('when a handler throws, then its run page shows FAILURE with the error as the label', async () => {
    await page.goto(`${stack.page}/`);
    const failing = card('Deploy (always fails)');
    await failing.getByLabel('Version').fill('1.2.3');
    await failing.getByRole('button', { name: /^Execute/ }).click();
    await page.waitForURL(/\/runs\/r_/);
    await page.locator('[data-region="head"] .badge.failure', { hasText: 'FAILURE' }).waitFor();
    expect(await page.locator('[data-region="head"] .label').textContent()).toBe('deploy target unreachable');
    expect(await page.locator('#log-lines').textContent()).toContain('starting deploy of 1.2.3');
  });

  it('when a required input is left empty, then the card says which one and no run starts', async () => {
    const before = (await simJson(stack.page, '/_sim/runs')).runs.length;
    await page.goto(`${stack.page}/`);
    await card('Create microservice').getByLabel('Name').fill('only a name');
    await card('Create microservice').getByRole('button', { name: /^Execute/ }).click();
    await card('Create microservice').getByRole('alert').waitFor();
    expect(await card('Create microservice').getByRole('alert').textContent()).toContain("input 'region': is required");
    expect(await card('Create microservice').getByLabel('Name').inputValue()).toBe('only a name');
    expect((await simJson(stack.page, '/_sim/runs')).runs.length).toBe(before);
  });

  it('when a 5 s outage is switched on, then the run waits IN_PROGRESS and completes once Port is back', async () => {
    await page.goto(`${stack.page}/faults`);
    await page.getByLabel('Duration (seconds)').fill('5');
    await page.getByRole('button', { name: 'Start outage' }).click();
    await page.waitForURL(/\/faults$/);
    expect(await page.locator('[data-region="faults-now"]').textContent()).toContain('Port is down');

    await page.goto(`${stack.page}/`);
    await card('Create microservice').getByLabel('Name').fill('outage svc');
    await card('Create microservice').getByLabel('Region').fill('us-east-1');
    await card('Create microservice').getByRole('button', { name: /^Execute/ }).click();
    await page.waitForURL(/\/runs\/r_/);
    expect(await page.locator('[data-region="head"] .badge').textContent()).toBe('IN_PROGRESS');
    await page.locator('[data-region="requests"] td', { hasText: 'outage' }).first().waitFor();
    await page.screenshot({ path: path.join(OUT, 'run-during-outage.png'), fullPage: true });
    await page.locator('[data-region="head"] .badge.success').waitFor({ timeout: 60_000 });
    expect(await page.locator('#log-lines').textContent()).toContain('new entity: outage_svc');
    expect(await page.locator('[data-region="faults"]').textContent()).toBe('');
  }, 90_000);

  it('when the runs list is opened on a narrow window, then runs are newest first with their badges', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${stack.page}/runs`);
    const actions = await page.locator('table.runs tbody tr td:nth-child(2)').allTextContents();
    expect(actions.slice(0, 3)).toEqual(['create_microservice', 'deploy_fails', 'create_microservice']);
    expect(await page.locator('table.runs tbody tr').first().locator('.badge').textContent()).toBe('SUCCESS');
    await page.screenshot({ path: path.join(OUT, 'runs-narrow.png'), fullPage: true });
    await page.goto(`${stack.page}/`);
    await page.screenshot({ path: path.join(OUT, 'actions-narrow.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
