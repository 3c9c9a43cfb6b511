#!/usr/bin/env node
// Drives the operator console in a real headless Chromium against a real
// daemon: starts `troupe run` with the simulated driver on a throwaway
// SQLite database, opens the console served by the daemon and checks what an
// operator relies on: every account has a row, the actor tree shows the
// supervisor and the pods, the connection badge says "connected", the safety
// panel states what the flags allow (the posting gate of GET /env), a reload
// with the admin token applies a changed config (new version, new semaphore
// capacity), an invalid config is rejected with its file and key while the
// running version stays, an action enqueued through the console's form shows
// in the queue panel, lands in the dead letters once the loop ticks (the
// test fails if no tick comes) and can be retried, the loop's flags panel shows
// paused/proof and sets both, a post in shadow mode is shown held with its
// reason, and a PROOFED action shows its artifact and can be released.
//
// Environment: TROUPE_BINARY, SIM_DRIVER_BINARY, TROUPE_BUILD_DIR (the
// screenshot goes to $TROUPE_BUILD_DIR/console-screenshot.png).
// Exits 0 when every check passed, 1 with the reason otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {
  ADMIN_TOKEN, CHROMIUM, CheckFailed, pass, requireEnv, requireExecutable, loadPlaywright, baseConfigLines,
  freePort, sleep, httpJson, startDaemon, waitForHealth, launchConsole, checkNoPageErrors, text, waitForText, waitFor,
  runTest, throwawayDir,
} = require('./harness');

const OVERALL_TIMEOUT_MS = 90_000;
const REHEARSAL_TIMEOUT_MS = 8_000;
const PODS = { podA: ['alpha-1', 'alpha-2', 'alpha-3'], podB: ['beta-1', 'beta-2'] };

function configText({ concurrency, port, dir }) {
  return [...baseConfigLines({ concurrency, pods: PODS, port, dir }), ''].join('\n');
}

// ---- The console checks ----------------------------------------------------------

async function checkAccountsAndTree(page) {
  for (const [pod, accounts] of Object.entries(PODS)) {
    for (const account of accounts) {
      const row = `tr[data-account="${account}"]`;
      await waitFor(page, row, `account ${account} has a row`);
      await waitForText(page, `${row} td[data-column="pod"]`, (value) => value === pod, `account ${account} shows pod ${pod}`);
    }
  }
  pass(`every configured account (${Object.values(PODS).flat().length}) has a row with its pod`);

  await waitFor(page, '#actor-tree [data-actor-id="supervisor"]', 'the actor tree shows the supervisor');
  for (const pod of Object.keys(PODS)) {
    await waitFor(page, `#actor-tree [data-actor-id="supervisor"] [data-actor-id="pod:${pod}"]`,
      `the actor tree shows pod ${pod} under the supervisor`);
  }
  pass('the actor tree shows the supervisor with the pods under it');

  await waitForText(page, '#connection', (value) => value === 'connected', 'the console is connected');
  await waitFor(page, '#timeline svg', 'the timeline is drawn');
  pass('the connection badge says "connected" and the console draws the timeline');
}

// What the safety panel should say of a gate GET /env reports (or leaves out).
function gateText(label, gate) {
  if (!gate || typeof gate.allowed !== 'boolean') return `${label}: unknown`;
  return gate.allowed ? `${label}: allowed` : `${label}: blocked (${gate.reason})`;
}

async function checkGates(page, baseUrl) {
  const env = (await httpJson('GET', `${baseUrl}/env`)).body;
  const expected = gateText('Posting', env.postingAllowed);
  await waitForText(page, '#gates [data-gate="posting"]', (value) => value === expected,
    'the safety panel states the posting gate');
  if (env.postingAllowed && env.postingAllowed.allowed !== false) {
    throw new CheckFailed(`a daemon in shadow mode allows posting: ${JSON.stringify(env.postingAllowed)}`);
  }
  const unsafeBadges = await page.locator('#flags .badge[data-state="bad"]').count();
  if (unsafeBadges !== 0) throw new CheckFailed(`the flags table still marks ${unsafeBadges} values as unsafe`);
  pass(`the safety panel shows "${expected}" from GET /env and marks no single flag unsafe`);
}

async function configVersion(page) {
  const value = await waitForText(page, '#config-version', (shown) => /^\d+$/.test(shown.trim()), 'the config version is shown');
  return Number(value.trim());
}

async function checkReloadNeedsToken(page, version) {
  await page.click('#reload');
  await waitFor(page, '#reload-result[data-state="error"]', 'a reload without the admin token is refused');
  const shown = await text(page, '#config-version');
  if (shown.trim() !== String(version)) throw new CheckFailed(`a refused reload changed the version to ${shown}`);
  pass('reload without the admin token is refused and the version stays');
}

// The daemon may also watch the file: replace it whole so that it never
// reads half a file.
function writeConfig(configPath, text) {
  const partial = `${configPath}.partial`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, configPath);
}

async function checkValidReload(page, { configPath, config, version }) {
  writeConfig(configPath, configText({ ...config, concurrency: 2 }));
  await page.fill('#admin-token', ADMIN_TOKEN);
  await page.click('#reload');
  await waitFor(page, '#reload-result[data-state="ok"]', 'a reload of a valid config with the token succeeds');
  const result = await text(page, '#reload-result');
  const newVersion = Number((result.match(/version (\d+)/) || [])[1]);
  if (!(newVersion > version)) {
    throw new CheckFailed(`the reload result does not name a version above ${version}: ${JSON.stringify(result)}`);
  }
  await waitForText(page, '#config-version', (value) => value.trim() === String(newVersion),
    `the header shows the new config version ${newVersion}`);
  pass(`reload with the token applies the changed config: version ${version} -> ${newVersion}`);
  await waitForText(page, '#permits-in-use', (value) => /\/ 2$/.test(value.trim()),
    'the semaphore shows the new concurrency');
  pass('the semaphore shows the new capacity of 2 permits');
}

async function checkInvalidReload(page, { configPath, config }) {
  // The daemon also reloads on its own when the file changes: let that settle
  // and take the version running before the invalid config is written.
  await sleep(1000);
  const version = await page.evaluate(async () => (await (await fetch('/api/version')).json()).config_version);
  writeConfig(configPath, configText({ ...config, concurrency: -1 }));
  await page.click('#reload');
  await waitFor(page, '#reload-result[data-state="error"]', 'an invalid config is reported as an error');
  const result = await waitForText(page, '#reload-result', (value) => value.includes('concurrency'),
    'the reload error names the key');
  if (!result.includes(configPath)) {
    throw new CheckFailed(`the reload error does not name the file ${configPath}: ${JSON.stringify(result)}`);
  }
  pass('an invalid config is rejected with its file and key in #reload-result');
  await sleep(2500); // one poll of /api/version later
  const shown = await text(page, '#config-version');
  if (shown.trim() !== String(version)) {
    throw new CheckFailed(`after a rejected reload the config version is ${shown}, expected ${version} to stay`);
  }
  pass(`the running config version ${version} stays after the rejected reload`);
}

// Fills the enqueue form, submits it and returns what #enqueue-result says.
async function enqueueThroughForm(page, { type, payload, key, priority }) {
  await page.fill('#enqueue-type', type);
  await page.fill('#enqueue-payload', payload);
  await page.fill('#enqueue-key', key);
  await page.fill('#enqueue-priority', String(priority));
  await page.evaluate(() => { document.getElementById('enqueue-result').hidden = true; });
  await page.click('#enqueue-submit');
  await waitFor(page, '#enqueue-result:not([hidden])', 'the enqueue form shows a result');
  return { state: await page.getAttribute('#enqueue-result', 'data-state'), text: await text(page, '#enqueue-result') };
}

async function checkActionQueue(page, baseUrl) {
  await page.fill('#admin-token', ADMIN_TOKEN);
  const refused = await enqueueThroughForm(page, { type: 'CONSOLE_TEST_UNKNOWN', payload: '{"note":', key: 'console-test-0', priority: 0 });
  if (refused.state !== 'error' || !refused.text.includes('not JSON')) {
    throw new CheckFailed(`a payload that is not JSON gave ${JSON.stringify(refused)}`);
  }
  pass('the enqueue form refuses a payload that is not JSON and says why');

  const created = await enqueueThroughForm(page, {
    type: 'CONSOLE_TEST_UNKNOWN', payload: '{"note": "no adapter takes this type"}', key: 'console-test-1', priority: 3,
  });
  const id = Number((created.text.match(/Action (\d+) enqueued/) || [])[1]);
  if (created.state !== 'ok' || !(id > 0)) throw new CheckFailed(`the enqueue form answered ${JSON.stringify(created)}`);
  const stored = await httpJson('GET', `${baseUrl}/api/actions/${id}`);
  if (stored.body.idempotency_key !== 'console-test-1' || stored.body.priority !== 3 || stored.body.payload.note === undefined) {
    throw new CheckFailed(`the enqueued action is stored as ${JSON.stringify(stored.body)}`);
  }
  pass(`the enqueue form queues action ${id} with its type, payload, key and priority (checked through the API)`);
  const row = `#actions tr[data-action-id="${id}"]`;
  await waitFor(page, row, `the enqueued action ${id} has a row in #actions`);
  const shown = await waitForText(page, `${row} td[data-column="status"]`,
    (value) => ['PENDING', 'RUNNING', 'DLQ'].includes(value.trim()), `action ${id} shows its status`);
  await waitForText(page, '#action-counts', (value) => /PENDING\s*\d/.test(value), 'the queue counts by status');
  pass(`the action enqueued through the form shows in #actions as ${shown.trim()}, with counts by status`);

  // `troupe run` always runs the loop: its ticks must come, and the action with them.
  const deadline = Date.now() + REHEARSAL_TIMEOUT_MS;
  let ticks = await httpJson('GET', `${baseUrl}/api/aol/ticks?limit=1`);
  while ((!Array.isArray(ticks.body.ticks) || ticks.body.ticks.length === 0) && Date.now() < deadline) {
    await sleep(200);
    ticks = await httpJson('GET', `${baseUrl}/api/aol/ticks?limit=1`);
  }
  if (!Array.isArray(ticks.body.ticks) || ticks.body.ticks.length === 0) {
    throw new CheckFailed(`no AOL tick within ${REHEARSAL_TIMEOUT_MS} ms: the daemon's loop does not run`);
  }
  const deadRow = `#dlq tr[data-action-id="${id}"]`;
  await waitFor(page, deadRow, `action ${id} of an unknown type reaches the dead letters`);
  await waitFor(page, '#ticks tr[data-tick-id]', 'the tick ledger shows the loop\'s ticks');
  await page.click(`${deadRow} button.retry-action`);
  await waitForText(page, '#action-result', (value) => value.includes(`Action ${id} retried`),
    `Retry puts action ${id} back in the queue`);
  pass(`action ${id} reached #dlq, the tick ledger shows ticks, and Retry re-queues it`);
}

async function checkLoopFlags(page, baseUrl) {
  const value = (flag) => `#aol-flags tr[data-flag="${flag}"] td[data-column="value"]`;
  const initial = (await httpJson('GET', `${baseUrl}/admin/aol/flags`)).body;
  for (const flag of ['paused', 'proof']) {
    await waitForText(page, value(flag), (shown) => shown === String(initial[flag]), `the loop flags panel shows ${flag}`);
  }
  pass(`the loop flags panel shows paused: ${initial.paused} and proof: ${initial.proof}, as the daemon has them`);
  for (const flag of ['paused', 'proof']) {
    const toggle = `#aol-flags button.aol-flag-toggle[data-flag="${flag}"]`;
    for (const wanted of [!initial[flag], initial[flag]]) {
      await page.click(toggle);
      await waitForText(page, value(flag), (shown) => shown === String(wanted), `the ${flag} toggle shows ${wanted}`);
      const stored = await httpJson('GET', `${baseUrl}/admin/aol/flags`);
      if (stored.body[flag] !== wanted) {
        throw new CheckFailed(`after the toggle the daemon's ${flag} flag is ${JSON.stringify(stored.body)}`);
      }
    }
    pass(`the ${flag} toggle sets the loop flag to ${!initial[flag]} and back through POST /admin/aol/flags`);
  }
}

// Polls GET /api/actions/{id} until `done(action)` holds or the rehearsal
// time is up; resolves to the last action read.
async function watchAction(baseUrl, id, done) {
  const deadline = Date.now() + REHEARSAL_TIMEOUT_MS;
  let action = (await httpJson('GET', `${baseUrl}/api/actions/${id}`)).body;
  while (!done(action) && Date.now() < deadline) {
    await sleep(200);
    action = (await httpJson('GET', `${baseUrl}/api/actions/${id}`)).body;
  }
  return action;
}

async function enqueueThroughApi(baseUrl, body) {
  const created = await httpJson('POST', `${baseUrl}/api/actions`, body);
  if (created.status !== 201) throw new CheckFailed(`POST /api/actions answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

// A post in shadow mode (the default switches) is held with its reason,
// not consumed; in PROOF mode a RUN_SESSION is rehearsed and left PROOFED
// with its artifact, and Release sends it back to PENDING.
async function checkHeldAndProofed(page, baseUrl) {
  const flags = (await httpJson('GET', `${baseUrl}/admin/aol/flags`)).body;
  try {
    await httpJson('POST', `${baseUrl}/admin/aol/flags`, { paused: false, proof: false });
    const post = await enqueueThroughApi(baseUrl, {
      type: 'POST_SOCIAL', idempotency_key: 'console-held-1', payload: { account: 'alpha-1', text: 'console test' },
    });
    const settled = (action) => !['PENDING', 'RUNNING', 'RETRY'].includes(action.status);
    const held = await watchAction(baseUrl, post, (action) => Boolean(action.held_reason) || settled(action));
    if (held.held_reason !== 'shadow_mode' || held.status !== 'PENDING') {
      throw new CheckFailed(`a post in shadow mode should be PENDING, held: shadow_mode, not ${JSON.stringify(held)}`);
    }
    await waitForText(page, `#actions tr[data-action-id="${post}"] td[data-column="detail"]`,
      (value) => value.includes('held: shadow_mode'), `the queue shows why action ${post} is held`);
    pass(`the queue panel shows action ${post} as "held: shadow_mode"`);

    await httpJson('POST', `${baseUrl}/admin/aol/flags`, { proof: true });
    const rehearsed = await enqueueThroughApi(baseUrl, {
      type: 'RUN_SESSION', idempotency_key: 'console-proof-1', payload: { account: 'alpha-1', activity: 'reels' },
    });
    const proofed = await watchAction(baseUrl, rehearsed, (action) => action.status === 'PROOFED' || settled(action));
    if (proofed.status !== 'PROOFED' || !proofed.proof_artifact) {
      throw new CheckFailed(`a RUN_SESSION in PROOF mode should be PROOFED with an artifact, not ${JSON.stringify(proofed)}`);
    }
    const row = `#actions tr[data-action-id="${rehearsed}"]`;
    await waitFor(page, `${row} button.release-action`, `PROOFED action ${rehearsed} has a Release button`);
    await waitForText(page, `${row} td[data-column="detail"]`, (value) => value.includes(proofed.proof_artifact),
      `the queue shows the PROOF artifact of action ${rehearsed}`);
    await waitForText(page, '#action-counts', (value) => /PROOFED\s*[1-9]/.test(value), 'the counts show PROOFED');
    await httpJson('POST', `${baseUrl}/admin/aol/flags`, { paused: true });  // the release must stay visible
    await page.click(`${row} button.release-action`);
    await waitForText(page, '#action-result', (value) => value.includes(`Action ${rehearsed} released: now PENDING`),
      `Release sends action ${rehearsed} back to PENDING`);
    const released = (await httpJson('GET', `${baseUrl}/api/actions/${rehearsed}`)).body;
    if (released.status !== 'PENDING') throw new CheckFailed(`after Release action ${rehearsed} is ${released.status}`);
    pass(`PROOFED action ${rehearsed} shows its artifact and Release sends it back to PENDING`);
  } finally {
    await httpJson('POST', `${baseUrl}/admin/aol/flags`, { paused: flags.paused, proof: flags.proof });
  }
}

// ---- Main ------------------------------------------------------------------------

async function run(state) {
  const binary = requireEnv('TROUPE_BINARY', __filename);
  const driver = requireEnv('SIM_DRIVER_BINARY', __filename);
  const buildDir = requireEnv('TROUPE_BUILD_DIR', __filename);
  requireExecutable(binary, 'TROUPE_BINARY');
  requireExecutable(driver, 'SIM_DRIVER_BINARY');
  requireExecutable(CHROMIUM, 'Chromium');
  const { chromium } = loadPlaywright();

  const dir = throwawayDir(state, 'troupe-console-');
  const port = await freePort();
  const config = { port, dir };
  const configPath = path.join(dir, 'troupe-console.yaml');
  fs.writeFileSync(configPath, configText({ ...config, concurrency: 1 }));

  const baseUrl = `http://127.0.0.1:${port}`;
  const daemon = startDaemon({ binary, driver, configPath, port, dir });
  state.processes.push(daemon);
  await waitForHealth(daemon, baseUrl);
  pass(`the daemon answers /api/health on ${baseUrl}`);

  const page = await launchConsole(state, chromium, baseUrl);
  await checkAccountsAndTree(page);
  await checkGates(page, baseUrl);
  const version = await configVersion(page);
  await checkReloadNeedsToken(page, version);
  await checkValidReload(page, { configPath, config, version });
  await checkInvalidReload(page, { configPath, config });
  await checkActionQueue(page, baseUrl);
  await checkLoopFlags(page, baseUrl);
  await checkHeldAndProofed(page, baseUrl);
  checkNoPageErrors(state);

  const screenshot = path.join(buildDir, 'console-screenshot.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
}

runTest({ name: 'console', timeoutMs: OVERALL_TIMEOUT_MS, run });
