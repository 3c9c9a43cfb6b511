#!/usr/bin/env node
// The console on a deployment of more than 1,000 accounts, in a real
// headless Chromium against a real daemon of 1,201 accounts: the accounts
// and the actor tree come a page of 1,000 at a time, Next and Previous move
// between pages (the last account shows on the second page, the semaphore
// stays on every page), and the console never asks for the whole tree.
//
// Environment: TROUPE_BINARY, SIM_DRIVER_BINARY (as console.test.js).
// Exits 0 when every check passed, 1 with the reason otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {
  CHROMIUM, CheckFailed, pass, requireEnv, requireExecutable, loadPlaywright, baseConfigLines, freePort,
  startDaemon, waitForHealth, launchConsole, checkNoPageErrors, waitForText, waitFor, runTest, throwawayDir,
} = require('./harness');

const OVERALL_TIMEOUT_MS = 90_000;
const PAGE_SIZE = 1000;
const ACCOUNTS = 1201;

// acc-0001 .. acc-1201 in three pods, so that id order is numeric order.
function pods() {
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => `acc-${String(i + 1).padStart(4, '0')}`);
  return { podA: ids.slice(0, 400), podB: ids.slice(400, 800), podC: ids.slice(800) };
}

async function rowCount(page) {
  return page.locator('#accounts tbody tr[data-account]').count();
}

async function waitForRows(page, wanted, what) {
  const deadline = Date.now() + 10_000;
  let rows = await rowCount(page);
  while (rows !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    rows = await rowCount(page);
  }
  if (rows !== wanted) throw new CheckFailed(`${what}: ${rows} account rows, expected ${wanted}`);
}

async function checkAccountPages(page) {
  await waitForText(page, '#accounts-pager .page-range', (value) => value === `accounts 1–${PAGE_SIZE} of ${ACCOUNTS}`,
    'the accounts pager shows the first page of all accounts');
  await waitForRows(page, PAGE_SIZE, 'the first page');
  pass(`the accounts panel shows ${PAGE_SIZE} of ${ACCOUNTS} accounts and says so`);

  await page.click('#accounts-pager .page-next');
  await waitForText(page, '#accounts-pager .page-range',
    (value) => value === `accounts ${PAGE_SIZE + 1}–${ACCOUNTS} of ${ACCOUNTS}`, 'Next shows the second page');
  await waitForRows(page, ACCOUNTS - PAGE_SIZE, 'the second page');
  await waitFor(page, 'tr[data-account="acc-1201"]', 'the last account has a row on the second page');
  if (await page.isEnabled('#accounts-pager .page-next')) throw new CheckFailed('Next is enabled on the last page');
  pass(`Next shows the other ${ACCOUNTS - PAGE_SIZE} accounts, the last one among them`);

  await page.click('#accounts-pager .page-previous');
  await waitForText(page, '#accounts-pager .page-range', (value) => value === `accounts 1–${PAGE_SIZE} of ${ACCOUNTS}`,
    'Previous goes back to the first page');
  await waitFor(page, 'tr[data-account="acc-0001"]', 'the first account has a row again');
  pass('Previous goes back to the first page');
}

async function checkTreePages(page) {
  await waitFor(page, '#actor-tree [data-actor-id="supervisor"] [data-actor-id="pod:podC"]',
    'the first page of the tree shows the pods under the supervisor');
  await waitForText(page, '#tree-pager .page-range', (value) => value.startsWith(`actors 1–${PAGE_SIZE} of `),
    'the tree pager shows the first page');
  await page.click('#tree-pager .page-next');
  await waitFor(page, '#actor-tree [data-actor-id="account:acc-1201"]', 'the second page of the tree has the last account');
  await waitForText(page, '#permits-in-use', (value) => /\/ 1$/.test(value.trim()),
    'the semaphore is still shown on a page without the supervisor');
  pass('the tree pages too: the last account is on its second page, the semaphore stays');
}

function checkNoWholeTree(state) {
  const lists = state.requestedUrls.map((url) => new URL(url))
    .filter((url) => url.pathname === '/api/actors' || url.pathname === '/api/accounts');
  if (lists.length === 0) throw new CheckFailed('the console never asked for the tree');
  const whole = lists.filter((url) => url.searchParams.get('limit') !== String(PAGE_SIZE));
  if (whole.length > 0) throw new CheckFailed(`the console asked for whole lists: ${whole.map(String).join(', ')}`);
  pass(`every one of the console's ${lists.length} requests for the tree or the accounts asked for a page of ${PAGE_SIZE}`);
}

async function run(state) {
  const binary = requireEnv('TROUPE_BINARY', __filename);
  const driver = requireEnv('SIM_DRIVER_BINARY', __filename);
  requireExecutable(binary, 'TROUPE_BINARY');
  requireExecutable(driver, 'SIM_DRIVER_BINARY');
  requireExecutable(CHROMIUM, 'Chromium');
  const { chromium } = loadPlaywright();

  const dir = throwawayDir(state, 'troupe-console-paging-');
  const port = await freePort();
  const configPath = path.join(dir, 'troupe-paging.yaml');
  fs.writeFileSync(configPath, [...baseConfigLines({ concurrency: 1, pods: pods(), port, dir }), ''].join('\n'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const daemon = startDaemon({ binary, driver, configPath, port, dir });
  state.processes.push(daemon);
  await waitForHealth(daemon, baseUrl);

  const page = await launchConsole(state, chromium, baseUrl);
  await checkAccountPages(page);
  await checkTreePages(page);
  checkNoWholeTree(state);
  checkNoPageErrors(state);
}

runTest({ name: 'console paging', timeoutMs: OVERALL_TIMEOUT_MS, run });
