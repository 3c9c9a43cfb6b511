#!/usr/bin/env node
// Drives the console's content pipeline panels in a real headless Chromium
// against a real daemon whose plan job writes live posts with a fake LLM:
// starts fake-llm, then `troupe run` on a throwaway SQLite database in live
// mode with posting disabled (an approved post is only queued, never posted)
// and posts needing approval, and checks what an operator relies on: the
// console says the LLM is available with today's spend and budget (as GET
// /env has them), a decision awaiting approval shows in the Approvals panel
// with its text and its three gate scores, Approve through the console makes
// the Decisions panel show it queued once the operations loop has run the
// approval, and Reject makes another show skipped with the reason
// "rejected"; the Publishing panel shows each account's rate-limit verdict
// as GET /api/publishing has it, the Learning panel renders, and an
// unconfirmed post's Mark posted (asking for the post id), Retry and Drop
// send their answers to the daemon with the admin token; the Reply pipeline
// panel shows each stage's verdict as GET /api/pipeline-status has it.
//
// Environment: TROUPE_BINARY, SIM_DRIVER_BINARY, FAKE_LLM_BINARY,
// TROUPE_BUILD_DIR (the screenshot goes to
// $TROUPE_BUILD_DIR/console-decisions-screenshot.png).
// Exits 0 when every check passed, 1 with the reason otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {
  ADMIN_TOKEN, CHROMIUM, CheckFailed, pass, requireEnv, requireExecutable, loadPlaywright, baseConfigLines,
  freePort, sleep, httpJson, startProcess, startDaemon, waitForHealth, firstLine, launchConsole, checkNoPageErrors,
  waitForText, waitFor, runTest, throwawayDir,
} = require('./harness');

const OVERALL_TIMEOUT_MS = 100_000;
const FAKE_LLM_START_MS = 10_000;
const FIRST_APPROVALS_MS = 40_000;  // the plan job runs every 2 s; the first runs may find nothing to write
const APPLIED_MS = 15_000;          // the loop ticks every 500 ms; an approval is applied at a tick
const PLAN_EVERY_MS = 2000;
const PODS = { podA: ['alpha-1', 'alpha-2'] };

function configText({ port, dir, llmPort }) {
  return [
    ...baseConfigLines({ concurrency: 1, pods: PODS, port, dir }),
    'llm:',
    `  baseUrl: http://127.0.0.1:${llmPort}/v1`,
    'approval:',
    '  posts: true',
    'monitor: {minFreeDiskBytes: 1000000000000000000}',
    'jobs:',
    `  plan: {everyMs: ${PLAN_EVERY_MS}}`,
    '  reply: {enabled: false}',
    '',
  ].join('\n');
}

async function startFakeLlm(state, binary) {
  const fakeLlm = startProcess({ what: 'fake-llm', binary, args: ['--port', '0', '--seed', '1'], output: 'pipe' });
  state.processes.push(fakeLlm);
  const line = await firstLine(fakeLlm, FAKE_LLM_START_MS);
  const port = Number(line.trim());
  if (!Number.isInteger(port) || port <= 0) throw new CheckFailed(`fake-llm printed ${JSON.stringify(line)}, not its port`);
  pass(`fake-llm listens on port ${port}`);
  return port;
}

function usd(value) {
  return `$${Number(value).toFixed(2)}`;
}

async function checkLlmStatus(page, baseUrl) {
  const env = (await httpJson('GET', `${baseUrl}/env`)).body;
  if (!env.llmAllowed || env.llmAllowed.allowed !== true) {
    throw new CheckFailed(`with a key and fake-llm the LLM should be available, /env says ${JSON.stringify(env.llmAllowed)}`);
  }
  const budget = `of ${usd(env.llmBudgetUsd)}`;
  const shown = await waitForText(page, '#llm-status', (value) => value.startsWith('LLM: available') && value.includes(budget),
    'the Decisions panel says the LLM is available, with its budget');
  if (!/spent today \$\d+\.\d\d of/.test(shown)) throw new CheckFailed(`#llm-status shows no spend: ${JSON.stringify(shown)}`);
  pass(`the console shows "${shown.trim()}" as GET /env has it`);
}

// The ids of the decisions the Approvals panel lists, once there are `count`.
async function approvalsShown(page, count) {
  const deadline = Date.now() + FIRST_APPROVALS_MS;
  let ids = [];
  while (Date.now() < deadline) {
    ids = await page.locator('#approvals tr[data-decision-id]').evaluateAll(
      (rows) => rows.map((row) => row.dataset.decisionId));
    if (ids.length >= count) return ids;
    await sleep(200);
  }
  throw new CheckFailed(`the Approvals panel listed ${ids.length} decision(s) within ${FIRST_APPROVALS_MS / 1000} s,`
    + ` not ${count}: the plan job wrote none awaiting approval`);
}

async function checkApprovalShown(page, baseUrl, id) {
  const decision = (await httpJson('GET', `${baseUrl}/api/decisions/${encodeURIComponent(id)}`)).body;
  if (decision.status !== 'awaiting_approval') throw new CheckFailed(`decision ${id} is ${decision.status}, not awaiting_approval`);
  const row = `#approvals tr[data-decision-id="${id}"]`;
  await waitForText(page, `${row} td[data-column="text"]`, (value) => value === decision.content && value.length > 0,
    `the Approvals panel shows the text of decision ${id}`);
  for (const gate of ['quality', 'uniqueness', 'rotation']) {
    const verdict = decision.features && decision.features[gate];
    if (!verdict || typeof verdict.score !== 'number') {
      throw new CheckFailed(`decision ${id} keeps no ${gate} score in its features: ${JSON.stringify(decision.features)}`);
    }
    const expected = `${gate} ${verdict.score.toFixed(2)} ${verdict.pass ? 'pass' : 'fail'}`;
    await waitForText(page, `${row} .gate-score[data-gate="${gate}"]`, (value) => value === expected,
      `the Approvals panel shows the ${gate} gate of decision ${id}`);
  }
  pass(`decision ${id} shows in Approvals with its text and its quality, uniqueness and rotation scores`);
}

// Clicks `op` (approve, reject) on the decision's row and waits until the
// Decisions panel shows the status the loop's approval adapter gives it.
async function decideThroughConsole(page, id, { op, done, status, skipReason }) {
  await page.click(`#approvals tr[data-decision-id="${id}"] button.${op}-decision`);
  await waitForText(page, '#action-result', (value) => value.includes(`Decision ${id} ${done}`),
    `the console confirms decision ${id} was ${done}`);
  const row = `#content-decisions tr[data-decision-id="${id}"]`;
  await waitFor(page, row, `decision ${id} has a row in the Decisions panel`);
  await waitForText(page, `${row} td[data-column="status"]`, (value) => value.trim() === status,
    `once the loop runs the approval, decision ${id} shows ${status}`, APPLIED_MS);
  if (skipReason !== undefined) {
    await waitForText(page, `${row} td[data-column="skip-reason"]`, (value) => value.trim() === skipReason,
      `decision ${id} shows the skip reason ${skipReason}`);
  }
}

async function checkApproveAndReject(page, baseUrl) {
  const [approved, rejected] = await approvalsShown(page, 2);
  pass(`the Approvals panel lists the plan job's decisions awaiting approval (${approved}, ${rejected}, ...)`);
  await checkApprovalShown(page, baseUrl, approved);

  await decideThroughConsole(page, approved, { op: 'approve', done: 'approved', status: 'queued' });
  await waitForText(page, '#approvals', (value) => !value.includes(approved), `decision ${approved} leaves Approvals`);
  const queued = (await httpJson('GET', `${baseUrl}/api/decisions/${encodeURIComponent(approved)}`)).body;
  if (queued.status !== 'queued') throw new CheckFailed(`approved decision ${approved} is ${queued.status} in the API`);
  pass(`Approve in the console queues decision ${approved} (posting disabled: it is not posted)`);

  await decideThroughConsole(page, rejected, { op: 'reject', done: 'rejected', status: 'skipped', skipReason: 'rejected' });
  pass(`Reject in the console skips decision ${rejected} with the reason "rejected"`);
  return approved;
}

async function checkPublishingAndLearning(page, baseUrl) {
  const publishing = (await httpJson('GET', `${baseUrl}/api/publishing`)).body;
  for (const account of PODS.podA) {
    const listed = publishing.accounts.find((row) => row.account_id === account);
    if (!listed) throw new CheckFailed(`GET /api/publishing lists no account ${account}: ${JSON.stringify(publishing)}`);
    const verdict = listed.allowed ? 'allowed' : listed.reason;
    await waitForText(page, `#post-limits tr[data-account="${account}"] td[data-column="verdict"]`,
      (value) => value.trim() === verdict, `the Publishing panel shows ${account} ${verdict}`);
  }
  await waitForText(page, '#unconfirmed', (value) => value.includes('no post waits for confirmation'),
    'the Publishing panel says no post waits for confirmation');
  pass('the Publishing panel shows each account\'s rate-limit verdict as GET /api/publishing has it');
  const learning = (await httpJson('GET', `${baseUrl}/api/learning`)).body;
  if (learning.arms.length === 0) {
    await waitForText(page, '#arm-chart', (value) => value.includes('no arm has learned yet'),
      'the Learning panel says no arm has learned yet');
  } else {
    const [arm] = learning.arms;
    await waitFor(page, `#arm-chart svg g[data-scope="${arm.scope}"][data-arm="${arm.arm}"]`,
      `the Learning panel draws a bar for arm ${arm.scope} / ${arm.arm}`);
  }
  await waitForText(page, '#predictors', (value) => value.includes('no predictor trained yet'),
    'the Learning panel lists no predictor yet');
  pass('the Learning panel draws the arms the plan job pulled and lists no predictor yet');
}

// The Reply pipeline panel shows each stage's verdict and reasons as GET
// /api/pipeline-status has them (harvesting is off here: the harvester
// needs attention and says why).
async function checkReplyPipeline(page, baseUrl) {
  const status = (await httpJson('GET', `${baseUrl}/api/pipeline-status`)).body;
  if (!Array.isArray(status.stages) || status.stages.length !== 4) {
    throw new CheckFailed(`GET /api/pipeline-status has no four stages: ${JSON.stringify(status)}`);
  }
  for (const stage of status.stages) {
    const shown = stage.status === 'going_well' ? 'going well' : 'needs attention';
    await waitForText(page, `#reply-stages tr[data-stage="${stage.stage}"] td[data-column="status"]`,
      (value) => value.trim() === shown, `the Reply pipeline panel shows the ${stage.stage} ${shown}`);
  }
  await waitForText(page, '#reply-stages tr[data-stage="harvester"] td[data-column="reasons"]',
    (value) => value.includes('harvesting is off'), 'the Reply pipeline panel says why the harvester needs attention');
  await waitForText(page, '#auth-required', (value) => value.includes('every harvested account is logged in'),
    'the Reply pipeline panel lists no account that needs its owner');
  pass('the Reply pipeline panel shows each stage as GET /api/pipeline-status judges it');
}

// The disk threshold is above any disk here: a monitor run raises low_disk,
// and the Monitor panel lists exactly the open issues the API does.
async function checkMonitorPanel(page, baseUrl) {
  const started = await httpJson('POST', `${baseUrl}/admin/jobs/run?job=monitor`);
  if (started.status !== 202) throw new CheckFailed(`POST /admin/jobs/run?job=monitor answered ${started.status}`);
  let open = [];
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    open = (await httpJson('GET', `${baseUrl}/api/monitor-issues`)).body.open || [];
    if (open.some((issue) => issue.condition_id.startsWith('low_disk:'))) break;
    await sleep(200);
  }
  if (!open.some((issue) => issue.condition_id.startsWith('low_disk:'))) {
    throw new CheckFailed(`the monitor raised no low_disk issue: ${JSON.stringify(open)}`);
  }
  for (const issue of open) {
    await waitForText(page, `#monitor-issues tr[data-condition="${issue.condition_id}"]`,
      (value) => value.includes(issue.title), `the Monitor panel lists ${issue.condition_id}`);
  }
  await waitForText(page, '#monitor-open-count', (value) => value === `(${open.length} open)`,
    'the Monitor panel counts the open issues as the API does');
  pass('the Monitor panel shows the open monitor issues of GET /api/monitor-issues');
}

// Posting is disabled here, so no post is ever unconfirmed: GET
// /api/publishing is answered with one added, for the queued decision `id`.
// What the buttons send still goes to the daemon, which refuses it (the
// decision is not unconfirmed) and the console shows the refusal.
async function checkUnconfirmedButtons(page, id) {
  await page.route('**/api/publishing', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.unconfirmed = [{ decision_id: id, account_id: 'alpha-1', error_message: 'the driver died without a result',
      action_id: 999, action_status: 'NEEDS_DECISION', question: 'Did the post happen?' }];
    await route.fulfill({ response, json });
  });
  const sent = [];
  page.on('request', (request) => {
    if (request.method() === 'PATCH' && request.url().endsWith(`/api/decisions/${encodeURIComponent(id)}`)) {
      sent.push({ body: request.postDataJSON(), authorization: request.headers().authorization });
    }
  });
  const row = `#unconfirmed tr[data-decision-id="${id}"]`;
  await waitFor(page, row, `the Publishing panel lists decision ${id} as unconfirmed`);
  await waitForText(page, `${row} td[data-column="question"]`, (value) => value.includes('Did the post happen?'),
    'the unconfirmed row shows the question its action waits on');
  page.once('dialog', (dialog) => dialog.accept('x-42'));
  for (const [op, done] of [['mark_posted', 'marked posted'], ['retry', 'sent to post again'], ['drop', 'dropped']]) {
    await page.click(`${row} button.${op}-decision`);
    await waitForText(page, '#action-result',
      (value) => value.includes(`Decision ${id} was not ${done}`) && value.includes('only an unconfirmed decision'),
      `the console shows the daemon's refusal of ${op} for a decision that is not unconfirmed`);
  }
  const expected = [{ op: 'mark_posted', post_id: 'x-42' }, { op: 'retry' }, { op: 'drop' }];
  if (JSON.stringify(sent.map((request) => request.body)) !== JSON.stringify(expected)) {
    throw new CheckFailed(`the buttons sent ${JSON.stringify(sent)}, expected the bodies ${JSON.stringify(expected)}`);
  }
  if (!sent.every((request) => request.authorization === `Bearer ${ADMIN_TOKEN}`)) {
    throw new CheckFailed(`the buttons' requests did not all carry the admin token: ${JSON.stringify(sent)}`);
  }
  // A console poll may be in the handler still: it ends before the page
  // closes (a fulfil after the close threw an unhandled "already handled").
  await page.unrouteAll({ behavior: 'wait' });
  pass('Mark posted (asking for the post id), Retry and Drop send PATCH /api/decisions/{id} with the token');
}

async function run(state) {
  const binary = requireEnv('TROUPE_BINARY', __filename);
  const driver = requireEnv('SIM_DRIVER_BINARY', __filename);
  const fakeLlmBinary = requireEnv('FAKE_LLM_BINARY', __filename);
  const buildDir = requireEnv('TROUPE_BUILD_DIR', __filename);
  requireExecutable(binary, 'TROUPE_BINARY');
  requireExecutable(driver, 'SIM_DRIVER_BINARY');
  requireExecutable(fakeLlmBinary, 'FAKE_LLM_BINARY');
  requireExecutable(CHROMIUM, 'Chromium');
  const { chromium } = loadPlaywright();

  const dir = throwawayDir(state, 'troupe-console-decisions-');
  const llmPort = await startFakeLlm(state, fakeLlmBinary);
  const port = await freePort();
  const configPath = path.join(dir, 'troupe-decisions.yaml');
  fs.writeFileSync(configPath, configText({ port, dir, llmPort }));

  const baseUrl = `http://127.0.0.1:${port}`;
  const daemon = startDaemon({
    binary, driver, configPath, port, dir,
    env: { MODE: 'live', POSTING_DISABLED: 'true', OPENAI_API_KEY: 'test-key' },
  });
  state.processes.push(daemon);
  await waitForHealth(daemon, baseUrl);
  pass(`the daemon answers /api/health on ${baseUrl} (live mode, posting disabled, posts need approval)`);

  const page = await launchConsole(state, chromium, baseUrl);
  await page.fill('#admin-token', ADMIN_TOKEN);
  await checkLlmStatus(page, baseUrl);
  const approved = await checkApproveAndReject(page, baseUrl);
  await checkPublishingAndLearning(page, baseUrl);
  await checkReplyPipeline(page, baseUrl);
  await checkMonitorPanel(page, baseUrl);
  await checkUnconfirmedButtons(page, approved);
  checkNoPageErrors(state);

  const screenshot = path.join(buildDir, 'console-decisions-screenshot.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
}

runTest({ name: 'console-decisions', timeoutMs: OVERALL_TIMEOUT_MS, run });
