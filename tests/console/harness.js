// What the console's Chromium tests share: numbered checks that fail with a
// reason (CheckFailed), the daemon and helper processes they start and stop,
// requests to the daemon's API with the admin token, waiting on the page,
// and a main that bounds the whole test, keeps what a failure needs
// (screenshot, files, log tails) and cleans up.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const HEALTH_TIMEOUT_MS = 20_000;
const UI_TIMEOUT_MS = 10_000;
const PROCESS_STOP_GRACE_MS = 5_000;
const BROWSER_CLOSE_TIMEOUT_MS = 5_000;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const ADMIN_TOKEN = 'console-test-token';

class CheckFailed extends Error {}

let passed = 0;
function pass(what) {
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

function requireEnv(name, testFile) {
  const value = process.env[name];
  if (!value) throw new CheckFailed(`${name} is not set (see the header of ${path.basename(testFile)})`);
  return value;
}

function requireExecutable(file, what) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new CheckFailed(`${what} ${file} is missing or not executable`);
  }
}

function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch {
    throw new CheckFailed('playwright-core is not installed: run tools/install-deps (npm ci --prefix tests/console)');
  }
}

// The demo's time-zone line (tools/demo-timezone: where it is about noon
// now), so that the pods are in an active mood whatever the hour.
function noonTimeZoneLine() {
  return execFileSync(path.join(__dirname, '../../tools/demo-timezone'), { encoding: 'utf8' }).trim();
}

// The config lines every console test's daemon starts with: the pods, a
// throwaway SQLite database and log under `dir`, the console on `port` with
// the admin token, the simulated driver 20 times faster, a 500 ms AOL tick.
function baseConfigLines({ concurrency, pods, port, dir }) {
  return [
    `concurrency: ${concurrency}`,
    noonTimeZoneLine(),
    'pods:',
    ...Object.entries(pods).map(([pod, accounts]) => `  ${pod}: [${accounts.join(', ')}]`),
    'db:',
    `  url: sqlite:${path.join(dir, 'troupe.db')}`,
    'http:',
    '  address: 127.0.0.1',
    `  port: ${port}`,
    `  adminToken: ${ADMIN_TOKEN}`,
    'log:',
    `  file: ${path.join(dir, 'troupe.log')}`,
    'drivers:',
    `  logDir: ${path.join(dir, 'session-logs')}`,
    '  env:',
    '    SIM_DRIVER_TIME_SCALE: "0.05"',
    'aol:',
    '  tickMs: 500',
  ];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// True when `promise` settles within `ms`; never leaves a timer behind.
async function settlesWithin(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Sends one request with the admin token and `body` as JSON; resolves to
// {status, body} with the answer parsed as JSON.
function httpJson(method, url, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers = {
      Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload),
    };
    const request = http.request(url, { method, headers, timeout: 5000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode, body: JSON.parse(text) });
        } catch {
          reject(new CheckFailed(`${method} ${url} answered ${response.statusCode} without JSON: ${text}`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => reject(new CheckFailed(`${method} ${url}: ${error.message}`)));
    request.end(payload);
  });
}

function httpGetStatus(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

// ---- Processes -----------------------------------------------------------------

// Spawns `binary` with `args`; `output` is where its stdout and stderr go
// (a file path), or 'pipe' to read its stdout. The handle says how it ended.
function startProcess({ what, binary, args, cwd, env, output }) {
  const logPath = output === 'pipe' ? null : output;
  const descriptor = logPath ? fs.openSync(logPath, 'w') : null;
  const stdio = logPath ? ['ignore', descriptor, descriptor] : ['ignore', 'pipe', 'inherit'];
  const child = spawn(binary, args, { cwd, env: { ...process.env, ...env }, stdio });
  if (descriptor !== null) fs.closeSync(descriptor);
  const handle = { what, child, logPath, exit: null };
  handle.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      handle.exit = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      handle.exit = `failed to start: ${error.message}`;
      resolve();
    });
  });
  return handle;
}

// SIGTERM (a daemon drains: running sessions may finish); SIGKILL after a short grace.
async function stopProcess(handle) {
  if (!handle || handle.exit) return;
  handle.child.kill('SIGTERM');
  if (!(await settlesWithin(handle.exited, PROCESS_STOP_GRACE_MS))) {
    handle.child.kill('SIGKILL');
    await handle.exited;
  }
}

// `troupe run` with the simulated driver on `configPath`, serving on `port`.
function startDaemon({ binary, driver, configPath, port, dir, env = {} }) {
  return startProcess({
    what: 'daemon',
    binary,
    args: ['run', '--config', configPath, '--driver', driver, '--http', `127.0.0.1:${port}`],
    cwd: dir,
    env: { SIM_DRIVER_TIME_SCALE: '0.05', ...env },
    output: path.join(dir, 'daemon-output.log'),
  });
}

async function waitForHealth(daemon, baseUrl) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (daemon.exit) throw new CheckFailed(`the daemon stopped before it was healthy (${daemon.exit})`);
    if ((await httpGetStatus(`${baseUrl}/api/health`)) === 200) return;
    await sleep(200);
  }
  throw new CheckFailed(`GET /api/health did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

// Resolves to the first line `handle` prints on stdout, or fails after `ms`.
async function firstLine(handle, ms) {
  const lines = readline.createInterface({ input: handle.child.stdout });
  const line = new Promise((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve(null));
  });
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    const first = await Promise.race([line, timeout]);
    if (first === undefined) throw new CheckFailed(`${handle.what} printed nothing within ${ms / 1000} s`);
    if (first === null) throw new CheckFailed(`${handle.what} ended before it printed a line (${handle.exit || 'closed stdout'})`);
    return first;
  } finally {
    clearTimeout(timer);
    lines.close();
    handle.child.stdout.resume();  // what it prints later must not fill the pipe
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

// ---- The page ----------------------------------------------------------------------

async function launchConsole(state, chromium, baseUrl) {
  state.browser = await chromium.launchPersistentContext(path.join(state.dir, 'chromium-profile'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 },
  });
  const page = state.browser.pages()[0] || await state.browser.newPage();
  state.page = page;
  state.pageErrors = [];
  state.requestedUrls = [];  // every URL the page asked for, from the first
  page.on('pageerror', (error) => state.pageErrors.push(error.message));
  page.on('request', (sent) => state.requestedUrls.push(sent.url()));
  await page.goto(`${baseUrl}/`, { timeout: UI_TIMEOUT_MS });
  return page;
}

function checkNoPageErrors(state) {
  if (state.pageErrors.length > 0) throw new CheckFailed(`the page threw: ${state.pageErrors.join('; ')}`);
  pass('the page threw no error');
}

async function text(page, selector) {
  return (await page.locator(selector).textContent({ timeout: UI_TIMEOUT_MS })) || '';
}

// Waits until `predicate(textContent of selector)` holds within `ms`; fails with `what`.
async function waitForText(page, selector, predicate, what, ms = UI_TIMEOUT_MS) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = (await page.locator(selector).first().textContent().catch(() => null)) ?? '';
    if (predicate(last)) return last;
    await sleep(100);
  }
  throw new CheckFailed(`${what}: ${selector} still shows ${JSON.stringify(last.trim())}`);
}

async function waitFor(page, selector, what, ms = UI_TIMEOUT_MS) {
  try {
    await page.locator(selector).first().waitFor({ state: 'attached', timeout: ms });
  } catch {
    throw new CheckFailed(`${what}: no ${selector} within ${ms / 1000} s`);
  }
}

// ---- Main --------------------------------------------------------------------------

function watchdog(ms) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`the test did not finish within ${ms / 1000} s`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

async function cleanUp(state) {
  if (state.browser) await settlesWithin(state.browser.close(), BROWSER_CLOSE_TIMEOUT_MS);
  for (const handle of [...state.processes].reverse()) await stopProcess(handle);
  if (state.dir && process.exitCode === 0) fs.rmSync(state.dir, { recursive: true, force: true });
}

async function reportFailure(name, state, error) {
  console.error(`FAILED: ${error instanceof CheckFailed ? error.message : error.stack}`);
  if (state.page && process.env.TROUPE_BUILD_DIR) {
    const shot = path.join(process.env.TROUPE_BUILD_DIR, `${name}-failure.png`);
    if (await settlesWithin(state.page.screenshot({ path: shot, fullPage: true }), UI_TIMEOUT_MS)) {
      console.error(`failure screenshot: ${shot}`);
    }
  }
  if (state.dir) console.error(`config, database and logs kept in ${state.dir}`);
  for (const handle of state.processes) {
    if (handle.logPath) console.error(`${handle.what} output (last lines, ${handle.logPath}):\n${tail(handle.logPath)}`);
  }
}

// Runs `run(state)` within `timeoutMs`, then exits 0 when every check
// passed and 1 with the reason otherwise. `run` keeps in `state` what needs
// cleaning up: `dir` (a throwaway directory), `processes` (stopped in
// reverse order), the browser and its page.
async function runTest({ name, timeoutMs, run }) {
  const state = { processes: [] };
  // Something that fails outside the checks (a Playwright callback) would
  // end node at once, leaving the daemon holding ctest's pipe until the
  // test's timeout: it fails the test, and the processes die with it.
  process.on('unhandledRejection', (error) => {
    console.error(`FAILED: unhandled: ${error && error.stack ? error.stack : error}`);
    for (const handle of state.processes) if (!handle.exit) handle.child.kill('SIGKILL');
    process.exit(1);
  });
  const timeout = watchdog(timeoutMs);
  try {
    await Promise.race([run(state), timeout.promise]);
    process.exitCode = 0;
    console.log(`${name}: ${passed} passed, 0 failed`);
  } catch (error) {
    process.exitCode = 1;
    await reportFailure(name, state, error);
    console.log(`${name}: ${passed} passed, 1 failed`);
  } finally {
    timeout.cancel();
    await cleanUp(state);
  }
  // After a timeout the abandoned checks may still hold timers: end now.
  process.exit(process.exitCode);
}

// A throwaway directory for one test run (kept when the test fails).
function throwawayDir(state, prefix) {
  state.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return state.dir;
}

module.exports = {
  ADMIN_TOKEN, CHROMIUM, UI_TIMEOUT_MS, CheckFailed, pass, requireEnv, requireExecutable, loadPlaywright,
  noonTimeZoneLine, baseConfigLines, freePort, sleep, httpJson, startProcess, startDaemon, waitForHealth, firstLine,
  launchConsole, checkNoPageErrors, text, waitForText, waitFor, runTest, throwawayDir,
};
