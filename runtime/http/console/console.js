// Troupe operator console. Polls the daemon's JSON API every 2 s and renders
// the actor tree, the semaphore, the accounts (the tree and the accounts a
// page of 1,000 at a time, with Previous/Next), a 24 h session timeline, the
// event feed, the safety flags with what they allow now (posting, LLM, real
// analytics), the content pipeline (the decisions awaiting approval, the
// latest decisions with their arms and gate scores, whether the LLM is
// available and today's spend against its budget, each account's post rate
// limits and the unconfirmed posts, the arms' posteriors, the predictor
// versions and the latest outcomes) and the operations loop
// (the action queue by status with what holds an action back and what a
// PROOF rehearsal wrote, its dead letters and the actions waiting for a
// decision, the tick ledger and the loop's flags); enqueues actions, approves
// or rejects decisions, answers unconfirmed posts and sends the admin actions with the token the
// operator typed. Fields a daemon does not report yet show as unknown. Every value
// from the API reaches the page through textContent or setAttribute, never
// as markup.
'use strict';

(() => {
  const POLL_INTERVAL_MS = 2000;
  const SLOW_POLL_EVERY = 5;          // sessions and flags change slowly: every 5th poll
  const REQUEST_TIMEOUT_MS = 5000;
  const EVENT_ROWS_KEPT = 200;
  const EVENT_PAGE_SIZE = 200;
  const EVENT_PAGES_PER_POLL = 5;
  const SESSION_LIMIT = 10000;
  // The tree and the accounts come a page at a time (GET ...?limit=&after=):
  // a console on a deployment of many accounts never pulls the whole tree.
  const PAGE_SIZE = 1000;
  const TIMELINE_LABEL_CHARS = 20;
  const DAY_MS = 24 * 60 * 60 * 1000;
  const TOKEN_KEY = 'troupe.adminToken';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // Timeline bar colours by session outcome (the driver contract's classes);
  // a session without an outcome is still running.
  const OUTCOME_COLOURS = {
    success: '#2e9d57',
    transient: '#e0a106',
    no_targets: '#7d8a99',
    auth_required: '#8e44ad',
    timeout: '#e67e22',
    hard_error: '#c0392b',
    spawn_failed: '#8b1e16',
    cancelled: '#a7b0bc',
    running: '#2f6fd6',
  };
  const OTHER_OUTCOME_COLOUR = '#34495e';

  // The gates GET /env reports, each {allowed, reason}: [list item, field, label].
  const GATES = [['posting', 'postingAllowed', 'Posting'], ['llm', 'llmAllowed', 'LLM'],
    ['analytics', 'analyticsAllowed', 'Real analytics']];

  const byId = (id) => document.getElementById(id);

  // ---- DOM helpers (text only) ----------------------------------------------

  // Creates an element; `props` holds className, text, title, dataset and
  // plain attributes; children are nodes or strings (inserted as text).
  function element(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    applyProps(node, props);
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svgElement(tag, attributes = {}, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function applyProps(node, props) {
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (name === 'className') node.className = value;
      else if (name === 'text') node.textContent = String(value);
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(name, String(value));
    }
  }

  function badge(text, state, extraClass) {
    return element('span', { className: extraClass ? `badge ${extraClass}` : 'badge', text, dataset: { state } });
  }

  function setText(node, text) {
    const value = String(text);
    if (node.textContent !== value) node.textContent = value;
  }

  function showPanelError(panelId, message) {
    const note = byId(panelId)?.querySelector('.panel-error');
    if (!note) return;
    note.hidden = !message;
    setText(note, message || '');
  }

  // ---- Formatting -------------------------------------------------------------

  function parseTime(value) {
    if (value === null || value === undefined || value === '') return null;
    const ms = typeof value === 'number' ? value : Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }

  function clockTime(ms) {
    return new Date(ms).toLocaleTimeString([], { hour12: false });
  }

  // The clock time within a day of now, the date further away.
  function shortTime(ms) {
    return Math.abs(ms - Date.now()) < DAY_MS ? clockTime(ms) : new Date(ms).toISOString().slice(0, 10);
  }

  function duration(ms) {
    const totalSeconds = Math.round(Math.abs(ms) / 1000);
    const hours = Math.floor(totalSeconds / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    const seconds = totalSeconds % 60;
    if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
    if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
    return `${seconds}s`;
  }

  function relative(ms, now = Date.now()) {
    const delta = ms - now;
    if (Math.abs(delta) < 1000) return 'now';
    return delta > 0 ? `in ${duration(delta)}` : `${duration(delta)} ago`;
  }

  function displayValue(value) {
    if (value === null || value === undefined) return '–';
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  function number(value, fallback = 0) {
    const parsed = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(parsed) ? parsed : fallback;
  }

  // ---- HTTP -------------------------------------------------------------------

  class NetworkError extends Error {}
  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function readBody(response) {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { error: { status: response.status, message: text.trim() || response.statusText } };
    }
  }

  function errorMessage(body, status) {
    const message = body && body.error && body.error.message;
    return message ? String(message) : `HTTP ${status}`;
  }

  // Sends one request, with `body` as JSON when given; resolves to {status,
  // ok, body} for any HTTP answer and rejects with NetworkError when the
  // daemon cannot be reached in time.
  async function request(method, path, token, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, cache: 'no-store', signal: controller.signal };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(path, init);
      const body = await readBody(response);
      return { status: response.status, ok: response.ok, body };
    } catch (cause) {
      throw new NetworkError(cause && cause.name === 'AbortError' ? 'request timed out' : 'daemon unreachable');
    } finally {
      clearTimeout(timer);
    }
  }

  async function getJson(path) {
    const { status, ok, body } = await request('GET', path);
    if (!ok) throw new HttpError(status, errorMessage(body, status));
    return body;
  }

  function adminToken() {
    return byId('admin-token').value.trim();
  }

  function adminPost(path) {
    return request('POST', path, adminToken());
  }

  function adminSend(method, path, body) {
    return request(method, path, adminToken(), body);
  }

  // ---- Config version -----------------------------------------------------------

  // A poll's answer may have left the daemon before a reload finished; it
  // must not put the old version back, so each value carries the time its
  // request started (a reload's answer: the time it arrived).
  let configVersionStamp = -Infinity;

  function setConfigVersion(version, stamp) {
    if (version === null || version === undefined || stamp < configVersionStamp) return;
    configVersionStamp = stamp;
    setText(byId('config-version'), version);
  }

  async function refreshVersion() {
    const stamp = performance.now();
    const data = await getJson('/api/version');
    setConfigVersion(data.config_version, stamp);
    setText(byId('daemon-version'), data.version ? `v${data.version}` : '');
  }

  // ---- Actor tree and semaphore ---------------------------------------------------

  const collapsedActors = new Set();
  let renderedTreeSignature = '';

  function actorStatus(actor) {
    const state = actor.state || {};
    if (state.status) return state.status;
    if (state.draining === 'true') return 'draining';
    if (state.paused === 'true') return 'paused';
    if (actor.last_error) return 'error';
    return 'alive';
  }

  function statusState(status) {
    return status === 'alive' ? 'ok' : status;
  }

  function actorNode(actor) {
    const state = actor.state || {};
    const status = actorStatus(actor);
    const node = element('span', { className: 'node' },
      badge(actor.kind || '?', 'kind', 'kind'),
      element('span', { className: 'id', text: actor.id }),
      badge(status, statusState(status)));
    const details = [];
    if (state.mood) details.push(`mood ${state.mood}`);
    if (state.activity) details.push(state.activity);
    details.push(`restarts ${number(actor.restarts)}`);
    details.push(`mailbox ${number(actor.mailbox_size)}`);
    details.push(`handled ${number(actor.messages_handled)}`);
    node.append(element('span', { className: 'stat', text: details.join(' · ') }));
    if (actor.last_error) {
      node.append(element('span', { className: 'last-error', text: `last error: ${actor.last_error}` }));
    }
    return node;
  }

  function actorItem(actor, childrenOf) {
    const item = element('li', { dataset: { actorId: actor.id, kind: actor.kind || '' } });
    const children = childrenOf.get(actor.id) || [];
    if (children.length === 0) {
      item.append(actorNode(actor));
      return item;
    }
    const details = element('details');
    details.open = !collapsedActors.has(actor.id);
    details.addEventListener('toggle', () => {
      if (details.open) collapsedActors.delete(actor.id);
      else collapsedActors.add(actor.id);
    });
    details.append(element('summary', {}, actorNode(actor)),
      element('ul', {}, ...children.map((child) => actorItem(child, childrenOf))));
    item.append(details);
    return item;
  }

  function renderTree(actors) {
    const signature = JSON.stringify(actors);
    if (signature === renderedTreeSignature) return;
    renderedTreeSignature = signature;
    const ids = new Set(actors.map((actor) => actor.id));
    const childrenOf = new Map();
    const roots = [];
    for (const actor of actors) {
      if (actor.parent && ids.has(actor.parent) && actor.parent !== actor.id) {
        if (!childrenOf.has(actor.parent)) childrenOf.set(actor.parent, []);
        childrenOf.get(actor.parent).push(actor);
      } else {
        roots.push(actor);
      }
    }
    const tree = byId('actor-tree');
    if (roots.length === 0) {
      tree.replaceChildren(element('p', { className: 'note', text: 'no actors' }));
      return;
    }
    const scrolled = tree.scrollTop;
    tree.replaceChildren(element('ul', {}, ...roots.map((root) => actorItem(root, childrenOf))));
    tree.scrollTop = scrolled;
  }

  function renderSemaphore(supervisor) {
    const counters = (supervisor && supervisor.counters) || {};
    const state = (supervisor && supervisor.state) || {};
    const capacity = number(counters.capacity);
    const inUse = number(counters.permits_in_use);
    setText(byId('permits-in-use'), supervisor ? `${inUse} / ${capacity}` : '–');
    setText(byId('permits-waiting'), supervisor ? number(counters.permits_waiting) : '–');
    const handoff = parseTime(state.next_handoff_at);
    setText(byId('next-handoff'), handoff === null ? '–' : `${clockTime(handoff)} (${relative(handoff)})`);
    setText(byId('recoveries'), supervisor ? number(counters.recoveries) : '–');
    setText(byId('restarts'), supervisor ? number(counters.restarts, number(supervisor.restarts)) : '–');

    const cells = byId('permit-cells');
    const shown = Math.min(capacity, 64);
    const wanted = Array.from({ length: shown }, (_, i) => String(i < inUse));
    const current = Array.from(cells.children, (cell) => cell.dataset.used);
    if (wanted.join() !== current.join()) {
      cells.replaceChildren(...wanted.map((used) => element('span', { className: 'permit', dataset: { used } })));
    }
    applyRunState(supervisor ? actorStatus(supervisor) : null);
  }

  function applyRunState(status) {
    const runState = byId('run-state');
    const label = status === null ? '–' : status === 'alive' ? 'running' : status;
    setText(runState, label);
    runState.dataset.state = status === null ? 'unknown' : label;
    byId('pause').classList.toggle('active', status === 'paused');
  }

  // ---- Pages ---------------------------------------------------------------------

  // A list shown a page at a time: the `after` cursors of the pages up to
  // the one shown (Previous pops one), and the next page's cursor.
  function pager(id, noun) {
    return { id, noun, cursors: [''], next: null };
  }

  const treePager = pager('tree-pager', 'actors');
  const accountsPager = pager('accounts-pager', 'accounts');

  function pagePath(path, list) {
    const after = list.cursors[list.cursors.length - 1];
    return `${path}?limit=${PAGE_SIZE}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
  }

  // Shows where the page is in its list; hidden while one page holds it all.
  function renderPager(list, data, shown) {
    list.next = typeof data.next_after === 'string' ? data.next_after : null;
    const total = data.total === undefined ? shown : number(data.total);
    const first = (list.cursors.length - 1) * PAGE_SIZE;
    const box = byId(list.id);
    box.hidden = list.cursors.length === 1 && list.next === null;
    setText(box.querySelector('.page-range'),
      shown === 0 ? `no ${list.noun}` : `${list.noun} ${first + 1}–${first + shown} of ${total}`);
    box.querySelector('.page-previous').disabled = list.cursors.length === 1;
    box.querySelector('.page-next').disabled = list.next === null;
  }

  function wirePager(list) {
    const box = byId(list.id);
    box.querySelector('.page-next').addEventListener('click', () => {
      if (list.next === null) return;
      list.cursors.push(list.next);
      pollSoon();
    });
    box.querySelector('.page-previous').addEventListener('click', () => {
      if (list.cursors.length === 1) return;
      list.cursors.pop();
      pollSoon();
    });
  }

  // A page that came back empty (its actors went away): back to the one before.
  function emptyPageLeft(list, shown) {
    if (shown > 0 || list.cursors.length === 1) return false;
    list.cursors.pop();
    return true;
  }

  async function refreshActors() {
    const data = await getJson(pagePath('/api/actors', treePager));
    const actors = Array.isArray(data.actors) ? data.actors : [];
    if (emptyPageLeft(treePager, actors.length)) return refreshActors();
    setText(byId('actor-count'), `(${data.total === undefined ? actors.length : number(data.total)})`);
    renderPager(treePager, data, actors.length);
    // Pages after the first do not hold the supervisor: ask for it alone.
    const supervisor = actors.find((actor) => actor.kind === 'supervisor' || actor.id === 'supervisor') ||
      await getJson('/api/actors/supervisor');
    renderSemaphore(supervisor);
    renderTree(actors);
  }

  // ---- Accounts -------------------------------------------------------------------

  const ACCOUNT_COLUMNS = ['id', 'pod', 'status', 'mood', 'energy', 'next', 'streak', 'recovery', 'session', 'today'];
  const accountRows = new Map();
  let accountOrder = [];

  function createAccountRow(id) {
    const row = element('tr', { dataset: { account: id } });
    for (const column of ACCOUNT_COLUMNS) row.append(element('td', { dataset: { column } }));
    row.cells[0].className = 'mono';
    row.cells[6].className = 'num';
    row.cells[8].className = 'mono';
    row.cells[9].className = 'num';
    row.cells[2].append(badge('', 'idle'));
    const bar = element('span', { className: 'energy-bar' }, element('span', { className: 'energy-fill' }));
    row.cells[4].append(element('span', { className: 'energy' }, bar, element('span', { className: 'mono' })));
    return row;
  }

  function renderRecoveryCell(cell, account) {
    const wanted = String(Boolean(account.needs_recovery));
    if (cell.dataset.needsRecovery === wanted) return;
    cell.dataset.needsRecovery = wanted;
    if (account.needs_recovery) {
      cell.replaceChildren(badge('needs recovery', 'parked'), ' ',
        element('button', { type: 'button', className: 'small clear-recovery', text: 'clear recovery',
          dataset: { account: account.id } }));
    } else {
      cell.replaceChildren(element('span', { className: 'note', text: 'no' }));
    }
  }

  function updateAccountRow(row, account) {
    const cells = row.cells;
    row.dataset.needsRecovery = String(Boolean(account.needs_recovery));
    setText(cells[0], account.id);
    setText(cells[1], displayValue(account.pod));
    const status = account.status || 'unknown';
    const statusBadge = cells[2].firstChild;
    setText(statusBadge, status);
    statusBadge.dataset.state = status;
    setText(cells[3], displayValue(account.mood));

    const energy = number(account.energy, NaN);
    const fill = cells[4].querySelector('.energy-fill');
    fill.style.width = Number.isFinite(energy) ? `${Math.max(0, Math.min(1, energy)) * 100}%` : '0%';
    fill.dataset.low = String(energy < 0.3);
    setText(cells[4].querySelector('.mono'), Number.isFinite(energy) ? energy.toFixed(2) : '–');

    const next = parseTime(account.next_eligible);
    setText(cells[5], next === null || next <= Date.now() ? 'now' : relative(next));
    cells[5].title = account.next_eligible || '';
    setText(cells[6], number(account.error_streak));
    renderRecoveryCell(cells[7], account);
    setText(cells[8], account.running_session || '–');
    setText(cells[9], account.sessions_today === undefined ? '–' : number(account.sessions_today));
  }

  function renderAccounts(accounts) {
    const body = byId('accounts').tBodies[0];
    const seen = new Set();
    accounts.forEach((account, index) => {
      const id = String(account.id);
      seen.add(id);
      let row = accountRows.get(id);
      if (!row) {
        row = createAccountRow(id);
        accountRows.set(id, row);
      }
      updateAccountRow(row, account);
      if (body.children[index] !== row) body.insertBefore(row, body.children[index] || null);
    });
    for (const [id, row] of accountRows) {
      if (!seen.has(id)) {
        row.remove();
        accountRows.delete(id);
      }
    }
    accountOrder = accounts.map((account) => String(account.id));
  }

  async function refreshAccounts() {
    const data = await getJson(pagePath('/api/accounts', accountsPager));
    const accounts = Array.isArray(data.accounts) ? data.accounts : [];
    if (emptyPageLeft(accountsPager, accounts.length)) return refreshAccounts();
    renderPager(accountsPager, data, accounts.length);
    renderAccounts(accounts);
  }

  // ---- Timeline -------------------------------------------------------------------

  let timelineSessions = null;
  let renderedTimelineKey = '';

  function shortened(text, limit) {
    return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
  }

  function outcomeName(session) {
    return session.outcome || (parseTime(session.ended_at) === null ? 'running' : 'unknown');
  }

  function outcomeColour(outcome) {
    return OUTCOME_COLOURS[outcome] || OTHER_OUTCOME_COLOUR;
  }

  // Coloured through the CSSOM, which a Content-Security-Policy without
  // 'unsafe-inline' styles still allows (a style attribute it would block).
  function swatch(colour) {
    const box = element('span', { className: 'swatch' });
    box.style.background = colour;
    return box;
  }

  function renderLegend() {
    const entries = Object.keys(OUTCOME_COLOURS).map((outcome) =>
      element('span', {}, swatch(outcomeColour(outcome)), outcome.replace(/_/g, ' ')));
    entries.push(element('span', { text: 'short bar = recovery step' }));
    byId('timeline-legend').replaceChildren(...entries);
  }

  function sessionTitle(session, start, end) {
    const parts = [session.id, session.activity, session.kind === 'recovery' ? 'recovery' : null,
      outcomeName(session), `${clockTime(start)}–${end === null ? 'now' : clockTime(end)}`];
    if (end !== null) parts.push(duration(end - start));
    if (session.exit_code !== null && session.exit_code !== undefined) parts.push(`exit ${session.exit_code}`);
    return parts.filter(Boolean).join(' · ');
  }

  function drawHourTicks(svg, geometry) {
    const { windowStart, now, labelWidth, plotWidth, axisHeight, height } = geometry;
    const firstHour = new Date(windowStart);
    firstHour.setMinutes(0, 0, 0);
    for (let hour = firstHour.getTime() + 3600000; hour <= now; hour += 3600000) {
      const x = labelWidth + ((hour - windowStart) / DAY_MS) * plotWidth;
      svg.append(svgElement('line', { class: 'tick', x1: x, x2: x, y1: axisHeight - 4, y2: height }));
      const label = String(new Date(hour).getHours()).padStart(2, '0');
      svg.append(svgElement('text', { x, y: axisHeight - 8, 'text-anchor': 'middle' }, label));
    }
    const nowX = labelWidth + plotWidth;
    svg.append(svgElement('line', { class: 'now', x1: nowX, x2: nowX, y1: axisHeight - 4, y2: height }));
  }

  function drawSessionBar(svg, session, rowTop, geometry) {
    const { windowStart, now, labelWidth, plotWidth, rowHeight } = geometry;
    const start = parseTime(session.started_at);
    if (start === null) return;
    const end = parseTime(session.ended_at);
    const visibleStart = Math.max(start, windowStart);
    const visibleEnd = Math.min(end === null ? now : end, now);
    if (visibleEnd < windowStart) return;
    const x = labelWidth + ((visibleStart - windowStart) / DAY_MS) * plotWidth;
    const width = Math.max(2, ((visibleEnd - visibleStart) / DAY_MS) * plotWidth);
    const recovery = session.kind === 'recovery';
    const barHeight = recovery ? rowHeight / 2 : rowHeight - 4;
    const outcome = outcomeName(session);
    const bar = svgElement('rect', {
      x: x.toFixed(1), y: (rowTop + (rowHeight - barHeight) / 2).toFixed(1),
      width: width.toFixed(1), height: barHeight, rx: 1.5, fill: outcomeColour(outcome),
      'data-session': session.id, 'data-outcome': outcome,
    });
    bar.append(svgElement('title', {}, sessionTitle(session, start, end)));
    svg.append(bar);
  }

  function renderTimeline() {
    if (timelineSessions === null) return;
    const { sessions, now } = timelineSessions;
    const rows = [...accountOrder];
    for (const session of sessions) {
      if (session.account && !rows.includes(session.account)) rows.push(session.account);
    }
    const key = `${now}|${rows.join(',')}`;
    if (key === renderedTimelineKey) return;
    renderedTimelineKey = key;

    const container = byId('timeline');
    if (rows.length === 0) {
      container.replaceChildren(element('p', { className: 'empty', text: 'no accounts' }));
      return;
    }
    const geometry = {
      now, windowStart: now - DAY_MS, labelWidth: 150, plotWidth: 1030, rowHeight: 18, rowGap: 4, axisHeight: 22,
    };
    const width = geometry.labelWidth + geometry.plotWidth + 10;
    geometry.height = geometry.axisHeight + rows.length * (geometry.rowHeight + geometry.rowGap);
    const svg = svgElement('svg', {
      viewBox: `0 0 ${width} ${geometry.height}`, role: 'img', 'aria-label': 'sessions per account, last 24 hours',
    });
    const rowTopOf = new Map();
    rows.forEach((account, index) => {
      const top = geometry.axisHeight + index * (geometry.rowHeight + geometry.rowGap);
      rowTopOf.set(account, top);
      svg.append(svgElement('rect', { class: 'row-bg', x: geometry.labelWidth, y: top,
        width: geometry.plotWidth, height: geometry.rowHeight }));
      const label = svgElement('text', { class: 'label', x: geometry.labelWidth - 8, y: top + 13,
        'text-anchor': 'end', 'data-account': account }, shortened(account, TIMELINE_LABEL_CHARS));
      label.append(svgElement('title', {}, account));
      svg.append(label);
    });
    drawHourTicks(svg, geometry);
    for (const session of sessions) {
      if (rowTopOf.has(session.account)) drawSessionBar(svg, session, rowTopOf.get(session.account), geometry);
    }
    container.replaceChildren(svg);
  }

  async function refreshSessions() {
    const now = Date.now();
    const since = new Date(now - DAY_MS).toISOString();
    const data = await getJson(`/api/sessions?since=${encodeURIComponent(since)}&limit=${SESSION_LIMIT}`);
    timelineSessions = { sessions: Array.isArray(data.sessions) ? data.sessions : [], now };
  }

  // ---- Events ---------------------------------------------------------------------

  let lastEventId = null;

  function eventState(kind) {
    if (/error|fail|crash|park/i.test(kind)) return 'bad';
    if (/skip|retry|recover|timeout|warn/i.test(kind)) return 'warn';
    if (/end|success|done|cleared|reload/i.test(kind)) return 'ok';
    return 'info';
  }

  function eventRow(event) {
    const at = parseTime(event.at);
    const kind = event.kind || 'event';
    const who = [event.pod, event.account].filter(Boolean).join(' / ');
    const details = [event.activity, event.mood && `mood ${event.mood}`, event.reason,
      event.duration_ms !== null && event.duration_ms !== undefined ? duration(event.duration_ms) : null,
      event.exit_code !== null && event.exit_code !== undefined ? `exit ${event.exit_code}` : null,
      event.burst ? 'burst' : null,
      event.energy !== null && event.energy !== undefined ? `energy ${number(event.energy).toFixed(2)}` : null,
      event.session && `session ${event.session}`];
    return element('li', { dataset: { eventId: event.id } },
      element('span', { className: 'at', text: at === null ? '' : clockTime(at), title: event.at }),
      element('span', {}, badge(kind, eventState(kind))),
      element('span', { className: 'who', text: who }),
      element('span', { className: 'detail', text: details.filter(Boolean).join(' · ') }));
  }

  function prependEvents(events) {
    const list = byId('events');
    list.querySelector('.empty')?.remove();
    for (const event of events) list.prepend(eventRow(event));
    while (list.children.length > EVENT_ROWS_KEPT) list.lastElementChild.remove();
  }

  function eventQuery() {
    if (lastEventId === null) return `since=${encodeURIComponent(new Date(Date.now() - DAY_MS).toISOString())}`;
    return `after=${encodeURIComponent(lastEventId)}`;
  }

  async function refreshEvents() {
    for (let page = 0; page < EVENT_PAGES_PER_POLL; page += 1) {
      const data = await getJson(`/api/events?${eventQuery()}&limit=${EVENT_PAGE_SIZE}`);
      const events = (Array.isArray(data.events) ? data.events : [])
        .filter((event) => lastEventId === null || number(event.id) > lastEventId)
        .sort((a, b) => number(a.id) - number(b.id));
      prependEvents(events);
      for (const event of events) lastEventId = Math.max(lastEventId ?? 0, number(event.id));
      if (events.length < EVENT_PAGE_SIZE) break;
    }
    const list = byId('events');
    if (list.children.length === 0) list.append(element('li', { className: 'empty', text: 'no events yet' }));
  }

  // ---- Flags ----------------------------------------------------------------------

  function gateText(label, gate) {
    if (!gate || typeof gate.allowed !== 'boolean') return `${label}: unknown`;
    return gate.allowed ? `${label}: allowed` : `${label}: blocked (${gate.reason || 'no reason given'})`;
  }

  // What the flags allow now, as the daemon judges it: no single flag tells.
  function renderGates(data) {
    for (const [name, field, label] of GATES) {
      const item = byId('gates').querySelector(`[data-gate="${name}"]`);
      const gate = data ? data[field] : undefined;
      setText(item, gateText(label, gate));
      item.dataset.allowed = gate && typeof gate.allowed === 'boolean' ? String(gate.allowed) : '';
    }
    const summary = data && typeof data.summary === 'string' ? data.summary : '';
    setText(byId('gate-summary'), summary || 'this daemon does not report what its flags allow');
  }

  function renderFlags(data) {
    renderGates(data);
    renderLlm(data);
    const flags = (data && data.flags) || {};
    const rows = Object.keys(flags).sort().map((name) => {
      const flag = flags[name] || {};
      return element('tr', { dataset: { flag: name } },
        element('td', { className: 'mono', text: name }),
        element('td', { className: 'mono', text: displayValue(flag.value) }),
        element('td', {}, badge(flag.source || '?', flag.source || 'unknown')));
    });
    byId('flags').tBodies[0].replaceChildren(...rows);
    const environment = (data && data.environment) || {};
    const set = Object.keys(environment).filter((name) => environment[name] !== null).sort();
    setText(byId('env-vars'), set.length ? `set in the environment: ${set.join(', ')}` : 'nothing set in the environment');
  }

  async function refreshFlags() {
    renderFlags(await getJson('/env'));
  }

  // ---- Content pipeline: LLM, approvals, decisions --------------------------------

  const DECISION_ROWS = 50;
  const APPROVAL_ROWS = 100;
  const DECISION_TEXT_CHARS = 120;
  const GATE_NAMES = ['quality', 'uniqueness', 'rotation'];
  const DECISION_STATES = {
    planned: 'idle', scheduled: 'info', posting_attempt: 'running', queued: 'info', awaiting_approval: 'paused',
    posting: 'running', posted: 'ok', skipped: 'idle', failed: 'bad', unconfirmed: 'warn',
  };

  function usd(value) {
    return `$${number(value).toFixed(2)}`;
  }

  // Whether the LLM is available and why not, with today's spend against
  // the daily budget (GET /env).
  function renderLlm(data) {
    const line = byId('llm-status');
    const gate = data ? data.llmAllowed : undefined;
    if (!gate || typeof gate.allowed !== 'boolean') {
      setText(line, 'LLM: unknown');
      line.dataset.available = '';
      return;
    }
    const availability = gate.allowed ? 'available' : `unavailable (${gate.reason || 'no reason given'})`;
    setText(line, `LLM: ${availability} · spent today ${usd(data.llmSpentTodayUsd)} of ${usd(data.llmBudgetUsd)}`);
    line.dataset.available = String(gate.allowed);
  }

  // The gate chain's verdicts a decision keeps in its features, side by side.
  function gateScoresCell(features) {
    const cell = element('td', { className: 'gate-scores', dataset: { column: 'gates' } });
    for (const name of GATE_NAMES) {
      const gate = features && typeof features === 'object' ? features[name] : undefined;
      if (!gate || typeof gate !== 'object') continue;
      const passed = gate.pass === true;
      const score = typeof gate.score === 'number' ? gate.score.toFixed(2) : '–';
      cell.append(element('span', {
        className: 'gate-score', title: gate.reason || undefined, text: `${name} ${score} ${passed ? 'pass' : 'fail'}`,
        dataset: { gate: name, pass: String(passed) },
      }));
    }
    if (!cell.hasChildNodes()) cell.append(element('span', { className: 'note', text: 'no gate scores' }));
    return cell;
  }

  function armText(decision) {
    return [decision.bandit_arm, decision.timing_arm].filter(Boolean).join(' · ') || '–';
  }

  function timeCell(iso, column) {
    const at = parseTime(iso);
    return element('td', { className: 'mono', text: at === null ? '–' : shortTime(at), title: iso || '', dataset: { column } });
  }

  function decisionRow(decision) {
    const status = String(decision.status || '?');
    const text = String(decision.content || '');
    return element('tr', { dataset: { decisionId: decision.decision_id, status } },
      timeCell(decision.created_at, 'created'),
      element('td', { dataset: { column: 'status' } }, badge(status, DECISION_STATES[status] || 'unknown')),
      element('td', { className: 'mono', text: displayValue(decision.decision_type) }),
      element('td', { className: 'mono', text: displayValue(decision.account_id) }),
      element('td', { className: 'mono', text: displayValue(decision.pipeline_source) }),
      element('td', { className: 'content-text', text: shortened(text, DECISION_TEXT_CHARS), title: text,
        dataset: { column: 'text' } }),
      element('td', { className: 'mono', text: armText(decision), dataset: { column: 'arm' } }),
      timeCell(decision.scheduled_at, 'scheduled'),
      gateScoresCell(decision.features),
      element('td', { className: 'skip-reason', text: decision.skip_reason || '', dataset: { column: 'skip-reason' } }));
  }

  // What a decision answers: a reply's post and author, or a new post.
  function targetText(decision) {
    if (decision.decision_type !== 'reply') return `new ${displayValue(decision.decision_type)}`;
    return `reply to post ${displayValue(decision.target_post_id)} by ${displayValue(decision.target_author_id)}`;
  }

  function decideButton(decision, op, text) {
    return element('button', { type: 'button', className: `small decide-decision ${op}-decision`, text,
      dataset: { decisionId: decision.decision_id, op } });
  }

  function approvalRow(decision) {
    const about = [decision.decision_type, decision.account_id, decision.pipeline_source].map(displayValue).join(' · ');
    return element('tr', { dataset: { decisionId: decision.decision_id } },
      element('td', {}, element('div', { className: 'mono', text: decision.decision_id }),
        element('div', { className: 'note', text: about })),
      element('td', { className: 'approval-text', text: decision.content || '', dataset: { column: 'text' } }),
      element('td', { className: 'mono', text: targetText(decision), dataset: { column: 'target' } }),
      element('td', { className: 'mono', text: armText(decision), dataset: { column: 'arm' } }),
      gateScoresCell(decision.features),
      element('td', { className: 'buttons' },
        decideButton(decision, 'approve', 'Approve'), decideButton(decision, 'reject', 'Reject')));
  }

  async function decisionsWhere(query) {
    const data = await getJson(`/api/decisions?${query}`);
    const rows = Array.isArray(data.decisions) ? data.decisions : [];
    const total = number(data.total, rows.length);
    return { rows, label: total > rows.length ? `(${rows.length} of ${total})` : `(${total})` };
  }

  async function refreshApprovals() {
    const { rows, label } = await decisionsWhere(`status=awaiting_approval&limit=${APPROVAL_ROWS}`);
    setText(byId('approval-count'), label);
    renderRows(byId('approvals').tBodies[0], JSON.stringify(rows), rows.map(approvalRow), 'nothing waits for approval');
  }

  async function refreshContentDecisions() {
    const { rows, label } = await decisionsWhere(`limit=${DECISION_ROWS}`);
    setText(byId('content-decision-count'), label);
    renderRows(byId('content-decisions').tBodies[0], JSON.stringify(rows), rows.map(decisionRow), 'no decisions yet');
  }

  // ---- Publishing and learning --------------------------------------------------------

  const ARM_CHART = { labelWidth: 220, plotWidth: 420, valueWidth: 60, rowHeight: 16, rowGap: 4 };

  function limitRow(account) {
    const verdict = account.allowed ? badge('allowed', 'ok') : badge(displayValue(account.reason), 'warn');
    const possible = parseTime(account.possible_at);
    return element('tr', { dataset: { account: account.account_id, allowed: String(account.allowed) } },
      element('td', { className: 'mono', text: account.account_id }),
      element('td', { className: 'num', text: number(account.posts_last_hour) }),
      timeCell(account.last_post_at, 'last-post'),
      element('td', { dataset: { column: 'verdict' } }, verdict),
      element('td', { className: 'mono', dataset: { column: 'possible' }, title: account.possible_at || '',
        text: account.allowed ? 'now' : (possible === null ? 'never' : relative(possible)) }));
  }

  function unconfirmedButton(row, op, text) {
    return element('button', { type: 'button', className: `small answer-unconfirmed ${op}-decision`, text,
      dataset: { decisionId: row.decision_id, op } });
  }

  function unconfirmedRow(row) {
    const action = row.action_id === null ? '–' : `#${row.action_id} ${displayValue(row.action_status)}`;
    return element('tr', { dataset: { decisionId: row.decision_id } },
      element('td', { className: 'mono', text: row.decision_id }),
      element('td', { className: 'mono', text: displayValue(row.account_id) }),
      element('td', { text: row.error_message || '' }),
      element('td', { className: 'mono', text: action, dataset: { column: 'action' } }),
      element('td', { text: row.question || '', dataset: { column: 'question' } }),
      element('td', { className: 'buttons' }, unconfirmedButton(row, 'mark_posted', 'Mark posted'),
        unconfirmedButton(row, 'retry', 'Retry'), unconfirmedButton(row, 'drop', 'Drop')));
  }

  async function refreshPublishing() {
    const data = await getJson('/api/publishing');
    const accounts = Array.isArray(data.accounts) ? data.accounts : [];
    const unconfirmed = Array.isArray(data.unconfirmed) ? data.unconfirmed : [];
    setText(byId('publishing-queued'), `(${number(data.queued)} due)`);
    setText(byId('unconfirmed-count'), `(${unconfirmed.length})`);
    renderRows(byId('post-limits').tBodies[0], JSON.stringify(accounts), accounts.map(limitRow), 'no accounts');
    renderRows(byId('unconfirmed').tBodies[0], JSON.stringify(unconfirmed), unconfirmed.map(unconfirmedRow),
      'no post waits for confirmation');
  }

  // ---- Monitor issues -------------------------------------------------------------------

  function monitorRow(issue) {
    return element('tr', { dataset: { condition: issue.condition_id, severity: issue.severity } },
      element('td', {}, badge(issue.severity, issue.severity === 'info' ? 'ok' : 'warn')),
      element('td', { className: 'mono', text: issue.condition_id }),
      element('td', { text: issue.title }),
      element('td', { text: issue.evidence }),
      element('td', { title: `last seen ${issue.last_seen_at}`, text: issue.first_seen_at }),
      element('td', { text: issue.suggested_action }));
  }

  function resolvedItem(issue) {
    return element('li', { dataset: { condition: issue.condition_id } },
      element('span', { className: 'mono', text: issue.condition_id }),
      ` ${issue.title}: resolved ${issue.resolved_at}`);
  }

  async function refreshMonitor() {
    const data = await getJson('/api/monitor-issues');
    const open = Array.isArray(data.open) ? data.open : [];
    const resolved = Array.isArray(data.resolved) ? data.resolved : [];
    setText(byId('monitor-open-count'), `(${open.length} open)`);
    renderRows(byId('monitor-issues').tBodies[0], JSON.stringify(open), open.map(monitorRow),
      data.last_run_at ? 'no open issue' : 'the monitor has not run yet');
    setText(byId('monitor-resolved-count'), `(${resolved.length})`);
    const list = byId('monitor-resolved');
    list.replaceChildren(...resolved.map(resolvedItem));
    if (resolved.length === 0) list.append(element('li', { className: 'empty', text: 'none' }));
    const stats = data.stats || {};
    const mean = typeof stats.mean_time_to_resolve_s === 'number' ? `${stats.mean_time_to_resolve_s.toFixed(0)} s` : '–';
    const rate = typeof stats.resolution_rate === 'number' ? `${(stats.resolution_rate * 100).toFixed(0)} %` : '–';
    setText(byId('monitor-stats'), `last run: ${data.last_run_at || 'none yet'} · raised ${number(stats.raised)}, `
      + `resolved ${number(stats.resolved)} (${rate}), mean time to resolve ${mean}`);
  }

  // ---- Cluster -----------------------------------------------------------------------

  function clusterNodeRow(node) {
    const pods = (node.pods || []).map((lease) => `${lease.pod} (${lease.epoch})`).join(', ');
    return element('tr', { dataset: { node: node.id } },
      element('td', { className: 'mono', text: node.id }),
      element('td', { dataset: { column: 'state' } }, badge(node.live ? 'live' : 'gone', node.live ? 'ok' : 'warn')),
      element('td', { text: node.version }),
      element('td', { text: node.heartbeat }),
      element('td', { className: 'mono', text: node.address }),
      element('td', { dataset: { column: 'pods' }, text: pods || 'none' }));
  }

  function clusterTakeRow(take) {
    return element('tr', { dataset: { pod: take.pod } },
      element('td', { className: 'mono', text: take.pod }),
      element('td', { className: 'mono', text: take.node }),
      element('td', { text: String(take.epoch) }),
      element('td', { className: 'mono', text: take.from_node || '–' }),
      element('td', { text: take.from }),
      element('td', { text: take.taken_at }));
  }

  async function refreshCluster() {
    const data = await getJson('/api/cluster');
    const panel = byId('cluster-panel');
    panel.hidden = !data.cluster;
    if (!data.cluster) return;
    const nodes = Array.isArray(data.nodes) ? data.nodes : [];
    const takes = (Array.isArray(data.takes) ? data.takes : []).filter((take) => take.from !== 'first');
    const permits = data.permits || {};
    setText(byId('cluster-summary'), `(${nodes.filter((node) => node.live).length} live of ${nodes.length} nodes, `
      + `permits ${number(permits.in_use)}/${number(permits.capacity)} in use, ${number(permits.waiting)} waiting)`);
    renderRows(byId('cluster-nodes').tBodies[0], JSON.stringify(nodes), nodes.map(clusterNodeRow), 'no node yet');
    renderRows(byId('cluster-takes').tBodies[0], JSON.stringify(takes), takes.map(clusterTakeRow), 'none yet');
  }

  // ---- Reply pipeline -----------------------------------------------------------------

  function stageRow(stage) {
    const last = stage.last_run;
    const lastText = last ? `${last.succeeded ? 'ok' : 'failed'}: ${last.summary}` : 'none';
    return element('tr', { dataset: { stage: stage.stage, status: stage.status } },
      element('td', { text: stage.stage }),
      element('td', { className: 'mono', text: `job:${stage.job}` }),
      element('td', { dataset: { column: 'status' } },
        badge(stage.status === 'going_well' ? 'going well' : 'needs attention',
          stage.status === 'going_well' ? 'ok' : 'warn')),
      element('td', { dataset: { column: 'reasons' }, text: (stage.reasons || []).join('; ') }),
      element('td', { title: last ? last.finished_at : '', text: lastText }));
  }

  function authRow(account) {
    return element('li', { dataset: { account: account.account_id } },
      element('span', { className: 'mono', text: account.account_id }),
      ` not logged in since ${account.since || '?'} (${account.reason || 'whoami'})`);
  }

  async function refreshReplyPipeline() {
    const data = await getJson('/api/pipeline-status');
    const stages = Array.isArray(data.stages) ? data.stages : [];
    const auth = Array.isArray(data.auth_required) ? data.auth_required : [];
    const status = byId('reply-pipeline-status');
    setText(status, data.status === 'going_well' ? '(going well)' : '(needs attention)');
    status.dataset.status = data.status || '';
    renderRows(byId('reply-stages').tBodies[0], JSON.stringify(stages), stages.map(stageRow), 'no stages');
    const o = data.opportunities || {};
    const preflight = Object.entries(data.preflight || {}).map(([answer, count]) => `${answer} ${count}`).join(', ');
    const success = data.last_reply_success;
    setText(byId('reply-numbers'), `opportunities: ${number(o.total)} (fresh 24 h ${number(o.fresh_24h)}, `
      + `12 h ${number(o.fresh_12h)}) · preflights: ${preflight || 'none'} · last reply posted: `
      + `${success ? `${success.at} (${success.post_id})` : 'none'}`);
    setText(byId('auth-required-count'), `(${auth.length})`);
    const list = byId('auth-required');
    list.replaceChildren(...auth.map(authRow));
    if (auth.length === 0) list.append(element('li', { className: 'empty', text: 'every harvested account is logged in' }));
  }

  function armTitle(arm) {
    const mean = typeof arm.mean === 'number' ? arm.mean.toFixed(3) : 'none yet';
    return `${arm.scope} / ${arm.arm} (${arm.kind}): mean ${mean}, alpha ${number(arm.alpha).toFixed(2)}, `
      + `beta ${number(arm.beta).toFixed(2)}, ${number(arm.pulls)} pulls, reward sum ${number(arm.reward_sum).toFixed(2)}`;
  }

  // One horizontal bar per arm: its posterior mean on a 0..1 scale.
  function armChart(arms) {
    const { labelWidth, plotWidth, valueWidth, rowHeight, rowGap } = ARM_CHART;
    const height = arms.length * (rowHeight + rowGap);
    const svg = svgElement('svg', { viewBox: `0 0 ${labelWidth + plotWidth + valueWidth} ${height}`, role: 'img',
      'aria-label': 'posterior mean per bandit arm' });
    arms.forEach((arm, index) => {
      const top = index * (rowHeight + rowGap);
      const mean = typeof arm.mean === 'number' ? Math.min(1, Math.max(0, arm.mean)) : 0;
      const row = svgElement('g', { 'data-scope': arm.scope, 'data-arm': arm.arm });
      row.append(svgElement('title', {}, armTitle(arm)),
        svgElement('text', { class: 'label', x: labelWidth - 8, y: top + 12, 'text-anchor': 'end' },
          shortened(`${arm.scope} / ${arm.arm}`, 34)),
        svgElement('rect', { class: 'track', x: labelWidth, y: top, width: plotWidth, height: rowHeight }),
        svgElement('rect', { class: 'bar', x: labelWidth, y: top + 2, width: (mean * plotWidth).toFixed(1),
          height: rowHeight - 4 }),
        svgElement('text', { x: labelWidth + plotWidth + 6, y: top + 12 },
          typeof arm.mean === 'number' ? `${arm.mean.toFixed(2)} α${number(arm.alpha).toFixed(0)} β${number(arm.beta).toFixed(0)}` : '–'));
      svg.append(row);
    });
    return svg;
  }

  function predictorRow(model) {
    const metric = (value) => (typeof value === 'number' ? value.toFixed(3) : '–');
    return element('tr', { dataset: { version: model.version } },
      element('td', { className: 'num', text: model.version }),
      timeCell(model.trained_at, 'trained'),
      element('td', { className: 'num', text: number(model.samples) }),
      element('td', { className: 'num', text: number(model.holdout_samples) }),
      element('td', { className: 'num', text: metric(model.holdout_r2) }),
      element('td', { className: 'num', text: metric(model.holdout_log_loss) }));
  }

  function outcomeRow(outcome) {
    return element('tr', { dataset: { decisionId: outcome.decision_id, simulated: String(outcome.simulated) } },
      timeCell(outcome.collected_at, 'collected'),
      element('td', { className: 'mono', text: outcome.decision_id }),
      element('td', { className: 'mono', text: outcome.horizon }),
      element('td', { className: 'num', text: number(outcome.impressions) }),
      element('td', { className: 'num', text: number(outcome.likes) }),
      element('td', { className: 'num', text: number(outcome.retweets) }),
      element('td', { className: 'num', text: number(outcome.replies) }),
      element('td', { className: 'num', text: `${(number(outcome.er_calculated) * 100).toFixed(2)}%` }),
      element('td', {}, outcome.simulated ? badge('simulated', 'idle') : null));
  }

  let renderedArms = null;

  async function refreshLearning() {
    const data = await getJson('/api/learning');
    const arms = Array.isArray(data.arms) ? data.arms : [];
    const predictors = Array.isArray(data.predictors) ? data.predictors : [];
    const outcomes = Array.isArray(data.outcomes) ? data.outcomes : [];
    const armsSignature = JSON.stringify(arms);
    if (armsSignature !== renderedArms) {
      renderedArms = armsSignature;
      byId('arm-chart').replaceChildren(arms.length > 0 ? armChart(arms)
        : element('p', { className: 'note', text: 'no arm has learned yet' }));
    }
    renderRows(byId('predictors').tBodies[0], JSON.stringify(predictors), predictors.map(predictorRow),
      'no predictor trained yet');
    renderRows(byId('outcomes').tBodies[0], JSON.stringify(outcomes), outcomes.map(outcomeRow), 'no outcomes yet');
  }

  // ---- Operations loop: action queue, dead letters, decisions, ticks, flags ----------

  const ACTION_STATUSES = ['PENDING', 'RUNNING', 'RETRY', 'NEEDS_DECISION', 'PROOFED', 'DLQ', 'SUCCEEDED', 'CANCELLED'];
  const ACTION_STATES = {
    PENDING: 'info', RUNNING: 'running', RETRY: 'warn', NEEDS_DECISION: 'paused', PROOFED: 'paused', DLQ: 'bad',
    SUCCEEDED: 'ok', CANCELLED: 'idle',
  };
  const TICK_STATES = { RUNNING: 'running', SUCCESS: 'ok', ERROR: 'bad', PAUSED: 'paused' };
  const ACTION_ROWS_SHOWN = 50;
  const ACTION_PAGE_SIZE = 1000;
  const ACTION_PAGES_PER_POLL = 5;
  const ATTENTION_ROWS = 100;         // dead letters and decisions shown
  const TICK_ROWS = 20;
  const PAYLOAD_CHARS = 80;
  const MINUTE_MS = 60 * 1000;

  // The API lists actions by ascending id after a cursor; the latest ones are
  // found by paging forward from just before the oldest one shown.
  let actionWindowAfter = 0;
  const renderedRows = new Map();     // tbody -> signature of what it shows

  // Replaces the rows of `tbody` only when `signature` changed, so that a
  // poll does not take a button away from under the pointer.
  function renderRows(tbody, signature, rows, emptyText) {
    if (renderedRows.get(tbody) === signature) return;
    renderedRows.set(tbody, signature);
    if (rows.length > 0) {
      tbody.replaceChildren(...rows);
      return;
    }
    const columns = tbody.parentElement.tHead.rows[0].cells.length;
    tbody.replaceChildren(element('tr', { className: 'empty' },
      element('td', { className: 'note', colspan: columns, text: emptyText })));
  }

  function actionBadge(status) {
    return badge(status, ACTION_STATES[status] || 'unknown');
  }

  function nextAttempt(action) {
    if (action.status !== 'PENDING' && action.status !== 'RETRY') return '–';
    const at = parseTime(action.next_attempt_at);
    if (at === null) return '–';
    if (at <= Date.now()) return 'due';
    return shortTime(at);
  }

  function idCell(action) {
    return element('td', { className: 'num', text: action.id });
  }

  // What holds the action back, and what its PROOF rehearsal wrote (a
  // PROOFED action waits for an operator's Release to run for real).
  function actionDetail(action) {
    const cell = element('td', { className: 'detail', dataset: { column: 'detail' } });
    if (action.held_reason) cell.append(element('span', { className: 'held', text: `held: ${action.held_reason}` }));
    if (action.proof_artifact) {
      cell.append(element('span', { className: 'artifact', text: action.proof_artifact, title: 'PROOF artifact' }));
    }
    if (action.status === 'PROOFED') cell.append(actionButton(action, 'release-action', 'Release'));
    return cell;
  }

  function actionRow(action) {
    const status = String(action.status || '?');
    return element('tr', { dataset: { actionId: action.id, status } },
      idCell(action),
      element('td', { className: 'mono', text: displayValue(action.type) }),
      element('td', { dataset: { column: 'status' } }, actionBadge(status)),
      element('td', { className: 'num', text: number(action.priority) }),
      element('td', { className: 'num', text: `${number(action.attempts)}/${number(action.max_attempts)}` }),
      element('td', { className: 'mono', text: nextAttempt(action), title: action.next_attempt_at || '' }),
      element('td', { className: 'mono', text: displayValue(action.idempotency_key) }),
      actionDetail(action),
      element('td', { className: 'last-error', text: action.last_error || '' }));
  }

  // The known statuses in their order, then any other the daemon counts.
  function countedStatuses(counts) {
    return [...ACTION_STATUSES, ...Object.keys(counts).filter((status) => !ACTION_STATUSES.includes(status)).sort()];
  }

  function renderActionCounts(counts) {
    const statuses = countedStatuses(counts);
    const total = statuses.reduce((sum, status) => sum + number(counts[status]), 0);
    setText(byId('action-total'), `(${total})`);
    const container = byId('action-counts');
    const signature = JSON.stringify(counts);
    if (container.dataset.signature === signature) return;
    container.dataset.signature = signature;
    container.replaceChildren(...statuses.map((status) =>
      element('span', { className: 'status-count', dataset: { status } },
        actionBadge(status), element('span', { className: 'mono', text: number(counts[status]) }))));
  }

  async function refreshActions() {
    let after = actionWindowAfter;
    let counts = {};
    const found = [];
    for (let page = 0; page < ACTION_PAGES_PER_POLL; page += 1) {
      const data = await getJson(`/api/actions?after=${after}&limit=${ACTION_PAGE_SIZE}`);
      counts = data.counts || {};
      if (Array.isArray(data.actions)) found.push(...data.actions);
      if (data.next_after === null || data.next_after === undefined) break;
      after = number(data.next_after);
    }
    const latest = found.slice(-ACTION_ROWS_SHOWN);
    if (latest.length > 0) actionWindowAfter = number(latest[0].id) - 1;
    renderActionCounts(counts);
    const newestFirst = latest.reverse();
    // The minute is part of the signature: "due" and clock times age.
    renderRows(byId('actions').tBodies[0], `${Math.floor(Date.now() / MINUTE_MS)}|${JSON.stringify(newestFirst)}`,
      newestFirst.map(actionRow), 'no actions');
  }

  function countLabel(data, shown) {
    const total = number((data.counts || {})[shown.status], shown.rows.length);
    return total > shown.rows.length ? `(${shown.rows.length} of ${total})` : `(${total})`;
  }

  async function actionsIn(status) {
    const data = await getJson(`/api/actions?status=${status}&limit=${ATTENTION_ROWS}`);
    const rows = Array.isArray(data.actions) ? data.actions : [];
    return { rows, label: countLabel(data, { status, rows }) };
  }

  function actionButton(action, className, text, dataset = {}) {
    return element('button', { type: 'button', className: `small ${className}`, text,
      dataset: { actionId: action.id, ...dataset } });
  }

  async function refreshDeadLetters() {
    const { rows, label } = await actionsIn('DLQ');
    setText(byId('dlq-count'), label);
    renderRows(byId('dlq').tBodies[0], JSON.stringify(rows), rows.map((action) =>
      element('tr', { dataset: { actionId: action.id } },
        idCell(action),
        element('td', { className: 'mono', text: displayValue(action.type) }),
        element('td', { className: 'mono', text: displayValue(action.idempotency_key) }),
        element('td', { className: 'last-error', text: action.last_error || '' }),
        element('td', {}, actionButton(action, 'retry-action', 'Retry')))), 'no dead letters');
  }

  async function refreshDecisions() {
    const { rows, label } = await actionsIn('NEEDS_DECISION');
    setText(byId('decision-count'), label);
    renderRows(byId('decisions').tBodies[0], JSON.stringify(rows), rows.map((action) => {
      const payload = JSON.stringify(action.payload === undefined ? null : action.payload);
      return element('tr', { dataset: { actionId: action.id } },
        idCell(action),
        element('td', { className: 'mono', text: displayValue(action.type) }),
        element('td', { className: 'mono', text: displayValue(action.idempotency_key) }),
        element('td', { className: 'mono', text: shortened(payload, PAYLOAD_CHARS), title: payload }),
        // A content approval is answered in the Approvals panel, beside its text and scores.
        action.type === 'APPROVE_DECISION'
          ? element('td', { className: 'muted', text: 'in Approvals' })
          : element('td', { className: 'buttons' },
            actionButton(action, 'decide-action', 'Approve', { decision: 'approve' }),
            actionButton(action, 'decide-action', 'Skip', { decision: 'skip' })));
    }), 'nothing waits for a decision');
  }

  function tickRow(tick) {
    const started = parseTime(tick.started_at);
    const status = String(tick.status || '?');
    const seconds = tick.duration_ms === null || tick.duration_ms === undefined
      ? '–' : `${(number(tick.duration_ms) / 1000).toFixed(2)} s`;
    return element('tr', { dataset: { tickId: tick.id, status } },
      element('td', { className: 'num', text: tick.id }),
      element('td', { className: 'mono', text: started === null ? '–' : clockTime(started), title: tick.started_at || '' }),
      element('td', {}, badge(status, TICK_STATES[status] || 'unknown')),
      element('td', { className: 'num', text: number(tick.attempted) }),
      element('td', { className: 'num', text: number(tick.succeeded) }),
      element('td', { className: 'num', text: seconds }),
      element('td', { className: 'mono', text: `${displayValue(tick.owner)} · epoch ${number(tick.epoch)}` }));
  }

  async function refreshTicks() {
    const data = await getJson(`/api/aol/ticks?limit=${TICK_ROWS}`);
    const ticks = Array.isArray(data.ticks) ? data.ticks : [];
    renderRows(byId('ticks').tBodies[0], JSON.stringify(ticks), ticks.map(tickRow), 'no ticks yet');
  }

  // The loop's flags as last read; null when unknown (no token, or refused).
  let aolFlags = null;
  // Toggles sent so far: a read begun before one lands with older flags than
  // the toggle's answer, and a toggle after it would invert the stale value.
  let aolFlagToggles = 0;

  function renderAolFlags(note) {
    for (const row of byId('aol-flags').tBodies[0].rows) {
      const name = row.dataset.flag;
      const known = aolFlags !== null && typeof aolFlags[name] === 'boolean';
      const cell = row.querySelector('[data-column="value"]');
      setText(cell, known ? String(aolFlags[name]) : '–');
      cell.dataset.value = known ? String(aolFlags[name]) : '';
      const button = row.querySelector('button.aol-flag-toggle');
      button.disabled = !known;
      setText(button, known ? (aolFlags[name] ? 'turn off' : 'turn on') : 'toggle');
    }
    setText(byId('aol-flags-note'), note);
  }

  const AOL_FLAGS_NOTE = 'paused: the loop claims nothing · proof: adapters only record what they would do';

  async function refreshAolFlags() {
    const token = adminToken();
    if (!token) {
      aolFlags = null;
      renderAolFlags('enter the admin token to see and set these flags');
      return;
    }
    const togglesBefore = aolFlagToggles;
    const { status, ok, body } = await request('GET', '/admin/aol/flags', token);
    if (togglesBefore !== aolFlagToggles) return;
    aolFlags = ok ? body : null;
    renderAolFlags(AOL_FLAGS_NOTE);
    if (!ok) throw new HttpError(status, errorMessage(body, status));
  }

  // ---- Polling ----------------------------------------------------------------------

  let pollCount = 0;

  function setConnection(connected) {
    const indicator = byId('connection');
    indicator.dataset.state = connected ? 'connected' : 'disconnected';
    setText(indicator, connected ? 'connected' : 'disconnected, retrying');
  }

  // Runs one refresh and reports how it went; an HTTP error is shown in its
  // panels, an unreachable daemon only in the connection badge.
  async function guarded(panelIds, refresh) {
    try {
      await refresh();
      panelIds.forEach((id) => showPanelError(id, ''));
      return 'ok';
    } catch (error) {
      if (error instanceof NetworkError) return 'unreachable';
      const message = error instanceof HttpError ? `${error.message} (HTTP ${error.status})` : `console error: ${error.message}`;
      if (!(error instanceof HttpError)) console.error(error);
      panelIds.forEach((id) => showPanelError(id, message));
      return 'failed';
    }
  }

  async function poll() {
    const slow = pollCount % SLOW_POLL_EVERY === 0;
    pollCount += 1;
    const refreshes = [
      guarded([], refreshVersion),
      guarded(['tree-panel', 'semaphore-panel'], refreshActors),
      guarded(['accounts-panel'], refreshAccounts),
      guarded(['events-panel'], refreshEvents),
      guarded(['approvals-panel'], refreshApprovals),
      guarded(['content-decisions-panel'], refreshContentDecisions),
      guarded(['publishing-panel'], refreshPublishing),
      guarded(['monitor-panel'], refreshMonitor),
      guarded(['cluster-panel'], refreshCluster),
      guarded(['reply-pipeline-panel'], refreshReplyPipeline),
      guarded(['learning-panel'], refreshLearning),
      guarded(['queue-panel'], refreshActions),
      guarded(['dlq-panel'], refreshDeadLetters),
      guarded(['decisions-panel'], refreshDecisions),
      guarded(['ticks-panel'], refreshTicks),
      guarded(['aol-flags-panel'], refreshAolFlags),
    ];
    if (slow) {
      refreshes.push(guarded(['timeline-panel'], refreshSessions), guarded(['flags-panel'], refreshFlags));
    }
    const outcomes = await Promise.all(refreshes);
    await guarded(['timeline-panel'], async () => renderTimeline());
    setConnection(!outcomes.includes('unreachable'));
  }

  const SOON_MS = 200;
  let pollTimer = null;
  let polling = false;
  let pollRequested = false;

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(pollForever, delay);
  }

  // One poll at a time: overlapping polls would fetch the same events twice.
  async function pollForever() {
    if (polling) {
      pollRequested = true;
      return;
    }
    polling = true;
    pollRequested = false;
    try {
      await poll();
    } catch (error) {
      console.error(error);
    } finally {
      polling = false;
    }
    schedulePoll(pollRequested ? SOON_MS : POLL_INTERVAL_MS);
  }

  // Polls again soon, with the slow refreshes, after an admin action changed something.
  function pollSoon() {
    pollCount = 0;
    schedulePoll(SOON_MS);
  }

  // ---- Admin actions ------------------------------------------------------------------

  function showResult(id, state, message, lines = []) {
    const box = byId(id);
    box.hidden = false;
    box.dataset.state = state;
    const children = [element('div', { text: message })];
    if (lines.length > 0) children.push(element('ul', {}, ...lines.map((line) => element('li', { text: line }))));
    box.replaceChildren(...children);
  }

  async function withButton(button, action) {
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  }

  async function reloadConfig() {
    showResult('reload-result', 'pending', 'Reloading the config…');
    try {
      const { status, body } = await adminPost('/admin/reload');
      if (status === 200 && body.ok) {
        setConfigVersion(body.config_version, performance.now());
        showResult('reload-result', 'ok', `Config reloaded: now version ${body.config_version}.`);
        pollSoon();
      } else if (Array.isArray(body.errors)) {
        setConfigVersion(body.config_version, performance.now());
        showResult('reload-result', 'error',
          `Reload rejected (HTTP ${status}); config version ${displayValue(body.config_version)} stays in force:`,
          body.errors.map(String));
      } else {
        showResult('reload-result', 'error', `Reload failed: ${errorMessage(body, status)} (HTTP ${status})`);
      }
    } catch (error) {
      showResult('reload-result', 'error', `Reload failed: ${error.message}`);
    }
  }

  async function setPaused(paused) {
    const path = paused ? '/admin/pause' : '/admin/resume';
    try {
      const { status, ok, body } = await adminPost(path);
      if (ok) {
        applyRunState(body.paused ? 'paused' : 'alive');
        showResult('action-result', 'ok', body.paused ? 'Paused: no new session starts.' : 'Resumed.');
        pollSoon();
      } else {
        showResult('action-result', 'error', `${paused ? 'Pause' : 'Resume'} failed: ${errorMessage(body, status)} (HTTP ${status})`);
      }
    } catch (error) {
      showResult('action-result', 'error', `${paused ? 'Pause' : 'Resume'} failed: ${error.message}`);
    }
  }

  async function clearRecovery(account) {
    try {
      const { status, ok, body } = await adminPost(`/admin/accounts/${encodeURIComponent(account)}/clear-recovery`);
      if (ok) {
        showResult('action-result', 'ok', `Recovery cleared for ${account}.`);
        pollSoon();
      } else {
        showResult('action-result', 'error', `Clearing recovery of ${account} failed: ${errorMessage(body, status)} (HTTP ${status})`);
      }
    } catch (error) {
      showResult('action-result', 'error', `Clearing recovery of ${account} failed: ${error.message}`);
    }
  }

  // PATCHes `path` with `change` and reports in #action-result: `success`
  // words the answer, `failure` prefixes why it was refused.
  async function patchAndReport(path, change, failure, success) {
    try {
      const { status, ok, body } = await adminSend('PATCH', path, change);
      if (ok) {
        showResult('action-result', 'ok', success(body));
        pollSoon();
      } else {
        showResult('action-result', 'error', `${failure}: ${errorMessage(body, status)} (HTTP ${status})`);
      }
    } catch (error) {
      showResult('action-result', 'error', `${failure}: ${error.message}`);
    }
  }

  function changeAction(id, change, done) {
    return patchAndReport(`/api/actions/${encodeURIComponent(id)}`, change, `Action ${id} was not ${done}`,
      (body) => `Action ${id} ${done}: now ${body.status}.`);
  }

  const DECISION_ANSWERS = {
    approve: 'approved', reject: 'rejected', mark_posted: 'marked posted', retry: 'sent to post again', drop: 'dropped',
  };

  // The answer is the waiting action's: the loop moves the decision when it runs it.
  function decideDecision(id, op, extra = {}) {
    const done = DECISION_ANSWERS[op];
    return patchAndReport(`/api/decisions/${encodeURIComponent(id)}`, { op, ...extra },
      `Decision ${id} was not ${done}`, () => `Decision ${id} ${done}: the operations loop applies it at its next tick.`);
  }

  // Mark posted needs the platform's id of the post, which only the operator can look up.
  function answerUnconfirmed(id, op) {
    if (op !== 'mark_posted') return decideDecision(id, op);
    const postId = (window.prompt(`Platform post id of decision ${id}:`) || '').trim();
    if (!postId) return undefined;
    return decideDecision(id, op, { post_id: postId });
  }

  // The POST /api/actions body the enqueue form describes, or why it cannot be sent.
  function enqueueRequest() {
    const type = byId('enqueue-type').value.trim();
    const key = byId('enqueue-key').value.trim();
    const priorityText = byId('enqueue-priority').value.trim();
    if (!type) return { problem: 'the type is required' };
    if (!key) return { problem: 'the idempotency key is required' };
    let payload;
    try {
      payload = JSON.parse(byId('enqueue-payload').value.trim() || '{}');
    } catch (error) {
      return { problem: `the payload is not JSON (${error.message})` };
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return { problem: 'the payload must be a JSON object' };
    }
    const body = { type, payload, idempotency_key: key };
    if (priorityText !== '') {
      const priority = Number(priorityText);
      if (!Number.isInteger(priority)) return { problem: 'the priority must be an integer' };
      body.priority = priority;
    }
    return { body };
  }

  async function enqueueAction() {
    const { body, problem } = enqueueRequest();
    if (problem) {
      showResult('enqueue-result', 'error', `Not enqueued: ${problem}.`);
      return;
    }
    try {
      const { status, ok, body: answer } = await adminSend('POST', '/api/actions', body);
      if (!ok) {
        showResult('enqueue-result', 'error', `Not enqueued: ${errorMessage(answer, status)} (HTTP ${status})`);
        return;
      }
      // 200 instead of 201: the key was used already, and nothing new was queued.
      const what = status === 201 ? 'enqueued' : 'was queued already under this key';
      showResult('enqueue-result', 'ok', `Action ${answer.id} ${what}: ${answer.status}.`);
      pollSoon();
    } catch (error) {
      showResult('enqueue-result', 'error', `Not enqueued: ${error.message}`);
    }
  }

  async function toggleAolFlag(name) {
    if (aolFlags === null || typeof aolFlags[name] !== 'boolean') return;
    try {
      ++aolFlagToggles;
      const { status, ok, body } = await adminSend('POST', '/admin/aol/flags', { [name]: !aolFlags[name] });
      if (ok) {
        aolFlags = body;
        renderAolFlags(AOL_FLAGS_NOTE);
        showResult('action-result', 'ok', `Loop flag ${name} is now ${body[name]}.`);
        pollSoon();
      } else {
        showResult('action-result', 'error', `Setting loop flag ${name} failed: ${errorMessage(body, status)} (HTTP ${status})`);
      }
    } catch (error) {
      showResult('action-result', 'error', `Setting loop flag ${name} failed: ${error.message}`);
    }
  }

  // Routes a click on a button of `tableId`'s rows matching `selector` to `act`.
  function onRowButton(tableId, selector, act) {
    byId(tableId).tBodies[0].addEventListener('click', (clicked) => {
      const button = clicked.target.closest(selector);
      if (button) withButton(button, () => act(button));
    });
  }

  function wireControls() {
    const token = byId('admin-token');
    token.value = sessionStorage.getItem(TOKEN_KEY) || '';
    token.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, token.value));

    const reload = byId('reload');
    reload.addEventListener('click', () => withButton(reload, reloadConfig));
    const pause = byId('pause');
    pause.addEventListener('click', () => withButton(pause, () => setPaused(true)));
    const resume = byId('resume');
    resume.addEventListener('click', () => withButton(resume, () => setPaused(false)));

    wirePager(treePager);
    wirePager(accountsPager);
    onRowButton('accounts', 'button.clear-recovery', (button) => clearRecovery(button.dataset.account));
    onRowButton('dlq', 'button.retry-action',
      (button) => changeAction(button.dataset.actionId, { op: 'retry' }, 'retried'));
    onRowButton('decisions', 'button.decide-action', (button) => {
      const decision = button.dataset.decision;
      return changeAction(button.dataset.actionId, { decision }, decision === 'skip' ? 'skipped' : 'approved');
    });
    onRowButton('aol-flags', 'button.aol-flag-toggle', (button) => toggleAolFlag(button.dataset.flag));
    onRowButton('approvals', 'button.decide-decision',
      (button) => decideDecision(button.dataset.decisionId, button.dataset.op));
    onRowButton('unconfirmed', 'button.answer-unconfirmed',
      (button) => answerUnconfirmed(button.dataset.decisionId, button.dataset.op));
    onRowButton('actions', 'button.release-action',
      (button) => changeAction(button.dataset.actionId, { op: 'release' }, 'released'));
    const enqueue = byId('enqueue');
    enqueue.addEventListener('submit', (submitted) => {
      submitted.preventDefault();
      withButton(byId('enqueue-submit'), enqueueAction);
    });
  }

  function start() {
    wireControls();
    renderLegend();
    pollForever();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
