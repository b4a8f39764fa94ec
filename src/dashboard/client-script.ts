import { BADGES } from './badges.js';
import { SHORT_SHA } from './format.js';

/**
 * The refresh script, inline in every page. Plain ES2017, no framework: it polls the JSON API,
 * re-renders the status cells in place, and re-fetches the page's <main> only when something
 * structural changed (a project added or removed, or a new pass on a project page).
 *
 * CLIENT_RENDERERS mirrors cells.ts and badges.ts; test/unit/dashboard/client-script.test.ts runs
 * both on the same statuses and requires identical HTML, so the two cannot drift apart.
 */
export const CLIENT_RENDERERS = `
var BADGES = ${JSON.stringify(BADGES).replace(/</g, '\\u003c')};
var SHORT_SHA = ${SHORT_SHA};
var ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(v) {
  return String(v === undefined || v === null ? '' : v).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
}
function badge(kind, value) {
  var b = BADGES[kind];
  var s = b.styles[value] || { glyph: '?', tone: 'neutral' };
  return '<span class="badge tone-' + esc(s.tone) + '" data-badge="' + esc(kind) + '"><span aria-hidden="true">' +
    esc(s.glyph) + '</span> <span class="vh">' + esc(b.label) + ': </span>' + esc(value) + '</span>';
}
function age(iso, now) {
  var then = Date.parse(iso);
  if (isNaN(then)) return 'unknown';
  var s = Math.floor((now - then) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  if (s < 86400) return Math.floor(s / 3600) + 'h ago';
  return Math.floor(s / 86400) + 'd ago';
}
function commitRef(sha) {
  if (!sha) return '<span class="muted">none</span>';
  return '<code title="' + esc(sha) + '">' + esc(sha.slice(0, SHORT_SHA)) + '</code>';
}
function timeAgo(iso, now) {
  return '<time datetime="' + esc(iso) + '" title="' + esc(iso) + '" data-age>' + esc(age(iso, now)) + '</time>';
}
function statusCells(s, now) {
  var e = s.lastError;
  var head = s.desiredCommit;
  var at = e ? e.commit || s.refusedCommit : undefined;
  return {
    sync: badge('sync', s.sync) + (s.suspended ? ' ' + badge('suspended', 'Suspended') : ''),
    health: badge('health', s.health) + (s.healthReason ? ' <span class="reason">' + esc(s.healthReason) + '</span>' : ''),
    commit: commitRef(s.appliedCommit) + (head && head !== s.appliedCommit ? ' <span class="muted">head ' + commitRef(head) + '</span>' : ''),
    age: s.lastReconcile ? timeAgo(s.lastReconcile, now) : '<span class="muted">never</span>',
    error: !e ? '<span class="muted">none</span>' :
      '<strong class="error-reason">' + esc(e.reason) + '</strong> <span class="error-message">' + esc(e.message) + '</span>' +
      (at ? ' <span class="muted">at ' + commitRef(at) + '</span>' : '')
  };
}
`;

const CLIENT_MAIN = `
var body = document.body;
var main = document.querySelector('main');
var live = document.querySelector('[data-live]');
var idleText = live ? live.textContent : '';
var view = body.getAttribute('data-view');
var api = body.getAttribute('data-api');
var period = Number(body.getAttribute('data-refresh-ms')) || 5000;
var rendered = new WeakMap();
var timer = 0;
if (!api || !main) return;

function say(text) { if (live && live.textContent !== text) live.textContent = text; }
function refreshAges(now) {
  document.querySelectorAll('time[data-age]').forEach(function (t) { t.textContent = age(t.getAttribute('datetime'), now); });
}
function blocksOf(name) {
  return Array.prototype.filter.call(document.querySelectorAll('[data-project]'), function (el) {
    return el.getAttribute('data-project') === name;
  });
}
function patch(status, now) {
  var cells = statusCells(status, now);
  blocksOf(status.project).forEach(function (block) {
    block.querySelectorAll('[data-field]').forEach(function (el) {
      var html = cells[el.getAttribute('data-field')];
      if (html === undefined || rendered.get(el) === html) return;
      el.innerHTML = html;
      rendered.set(el, html);
    });
  });
}
function getJson(url) {
  var ctl = new AbortController();
  var t = setTimeout(function () { ctl.abort(); }, period * 2);
  return fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin', signal: ctl.signal })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .finally(function () { clearTimeout(t); });
}
// Replacing <main> under the keyboard focus would throw the user back to the top: wait instead.
function reloadMain() {
  var focus = document.activeElement;
  if (focus && focus !== main && main.contains(focus)) return Promise.resolve();
  return fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store', credentials: 'same-origin' })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })
    .then(function (text) {
      var doc = new DOMParser().parseFromString(text, 'text/html');
      var next = doc.querySelector('main');
      if (!next) return;
      main.innerHTML = next.innerHTML;
      var stamp = doc.body.getAttribute('data-stamp');
      if (stamp !== null) body.setAttribute('data-stamp', stamp);
    });
}
// The logs' follow switch: on, every refresh re-reads each service's last lines (plain text).
var followLogs = false;
document.addEventListener('change', function (e) {
  var t = e.target;
  if (!t || !t.hasAttribute || !t.hasAttribute('data-follow-logs')) return;
  followLogs = t.checked;
  if (followLogs) tick();
});
function refreshLogs() {
  if (!followLogs || view !== 'project') return undefined;
  document.querySelectorAll('[data-follow-logs]').forEach(function (b) { b.checked = true; });
  return Promise.all(Array.prototype.map.call(document.querySelectorAll('pre[data-logs]'), function (pre) {
    var url = api + '/logs?tail=10&service=' + encodeURIComponent(pre.getAttribute('data-logs'));
    return fetch(url, { headers: { accept: 'text/plain' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : ''; })
      .then(function (text) { if (text) pre.textContent = text; });
  }));
}
function tick() {
  clearTimeout(timer);
  if (document.hidden) { timer = setTimeout(tick, period); return; }
  getJson(api).then(function (data) {
    var statuses = view === 'list' ? data.projects || [] : [data.status && data.status.project ? data.status : data];
    var now = Date.now();
    var structural;
    if (view === 'list') {
      var shown = Array.prototype.map.call(document.querySelectorAll('tr[data-project]'), function (r) { return r.getAttribute('data-project'); });
      var names = statuses.map(function (s) { return s.project; });
      structural = shown.join('\\n') !== names.join('\\n');
    } else {
      structural = (statuses[0].lastReconcile || '') !== (body.getAttribute('data-stamp') || '');
    }
    statuses.forEach(function (s) { patch(s, now); });
    return structural ? reloadMain() : undefined;
  }).then(refreshLogs).then(function () { say(idleText); }, function (err) {
    say('Refresh failed (' + (err && err.message ? err.message : 'network error') + '); retrying.');
  }).then(function () {
    refreshAges(Date.now());
    timer = setTimeout(tick, period);
  });
}
document.addEventListener('visibilitychange', function () { if (!document.hidden) tick(); });
timer = setTimeout(tick, period);
`;

export const CLIENT_SCRIPT = `(function () {\n'use strict';\n${CLIENT_RENDERERS}\n${CLIENT_MAIN}\n})();`;
