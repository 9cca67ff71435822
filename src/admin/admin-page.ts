/**
 * The admin page: one self-contained document (inline CSS, inline script, charts drawn as inline SVG), so users
 * need no CDN and no build step. It reads and steers the jobs through the JSON routes next to it. A `token` query
 * parameter in the page's URL is sent along as a bearer token, for guards that check one; cookies go along as
 * usual (same origin). The script writes text with textContent only, never HTML built from data.
 */
export const ADMIN_PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Coordinated cron</title>
<style>
  :root { --ok: #1a7f37; --fail: #cf222e; --skip: #8c959f; --warn: #bf8700; --ink: #1f2328; --line: #d0d7de; --bg: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
  header { padding: 14px 24px; background: #24292f; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { opacity: .75; font-size: 12px; }
  main { padding: 16px 24px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); }
  .job { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
  .job.is-paused { border-color: var(--warn); }
  .job h2 { font-size: 16px; margin: 0 0 4px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  .badge { font-size: 11px; font-weight: 600; padding: 1px 7px; border-radius: 10px; background: #eaeef2; }
  .badge.paused { background: #fff8c5; color: #7d4e00; }
  .badge.running { background: #ddf4ff; color: #0969da; }
  .schedule { color: #57606a; font-size: 12px; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
  .row { display: flex; gap: 16px; flex-wrap: wrap; margin: 8px 0; }
  .next { font-size: 12px; color: #57606a; }
  .next li { list-style: none; }
  .next ul { margin: 2px 0 0; padding: 0; }
  .paused-note { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 6px 10px; font-size: 13px; }
  .progress { height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; width: 260px; }
  .progress > div { height: 100%; background: #0969da; transition: width .4s; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; margin-top: 6px; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
  th { color: #57606a; font-weight: 600; }
  .o-completed { color: var(--ok); } .o-failed { color: var(--fail); } .o-skipped { color: var(--skip); } .o-interrupted { color: var(--warn); }
  .controls { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin-top: 10px; }
  button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--line); background: #f6f8fa; cursor: pointer; }
  button:hover { background: #eef1f4; }
  button.primary { background: #1f883d; color: #fff; border-color: #1a7f37; }
  button.warn { background: #fff8c5; border-color: #d4a72c; }
  button:disabled { opacity: .5; cursor: default; }
  input { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 6px; }
  .counts { font-size: 12px; color: #57606a; }
  .chart { display: block; margin-top: 6px; }
  .msg { font-size: 12px; color: var(--fail); min-height: 1em; }
  #error { color: var(--fail); padding: 0 24px; }
  .empty { color: #57606a; font-size: 12px; }
  .msg.ok { color: var(--ok); }
  .table { overflow-x: auto; }
  td.wrap { white-space: normal; }
  td.wrap button { margin-left: 6px; white-space: nowrap; }
  .badge.override { background: #ddf4ff; color: #0550ae; }
  .section { border-top: 1px solid #eaeef2; margin-top: 10px; padding-top: 8px; font-size: 13px; }
  .source { font-size: 12px; color: #57606a; }
  .source.override { color: #0550ae; }
  .failing { color: var(--fail); }
  ul.tenants { margin: 4px 0; padding-left: 18px; font-size: 12px; }
  ul.tenants button, td button { padding: 1px 8px; font-size: 12px; }
</style>
</head>
<body>
<header><h1>Coordinated cron</h1><span class="meta" id="status">loading…</span></header>
<p id="error" role="alert"></p>
<main id="jobs"></main>
<script>
(function () {
  'use strict';
  var base = location.pathname.replace(/\/+$/, '');
  var token = new URLSearchParams(location.search).get('token');
  var timer = null;
  var busy = {};

  function headers(json) {
    var h = { Accept: 'application/json' };
    if (json) h['Content-Type'] = 'application/json';
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }

  function api(method, path, body) {
    return fetch(base + path, {
      method: method,
      headers: headers(method !== 'GET'),
      credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(body || {})
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var message = data && data.message ? [].concat(data.message).join('; ') : res.status + ' ' + res.statusText;
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'className') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function time(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString();
  }

  function duration(ms) {
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    return Math.round(ms / 60000) + ' min';
  }

  function runMs(report) {
    return Math.max(0, new Date(report.finishedAt).getTime() - new Date(report.startedAt).getTime());
  }

  function tenantsText(report) {
    var t = report.tenants;
    if (!t) return '';
    var n = t.counts || { succeeded: t.succeeded.length, failed: t.failed.length, paused: (t.paused || []).length };
    return n.succeeded + ' ok, ' + n.failed + ' failed' + (n.paused ? ', ' + n.paused + ' paused' : '') + ' / ' + t.total;
  }

  var SVG = 'http://www.w3.org/2000/svg';
  function chart(recent) {
    var runs = recent.filter(function (r) { return r.outcome !== 'skipped'; }).slice(0, 30).reverse();
    var width = 480, height = 60;
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height + 14));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + (height + 14));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'durations of recent runs');
    if (runs.length === 0) return null;
    var max = Math.max.apply(null, runs.map(runMs).concat([1]));
    var slot = width / Math.max(runs.length, 10);
    runs.forEach(function (r, i) {
      var h = Math.max(2, Math.round((runMs(r) / max) * height));
      var rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(i * slot + 1));
      rect.setAttribute('y', String(height - h));
      rect.setAttribute('width', String(Math.max(2, slot - 2)));
      rect.setAttribute('height', String(h));
      rect.setAttribute('fill', r.outcome === 'completed' ? '#1a7f37' : r.outcome === 'failed' ? '#cf222e' : '#bf8700');
      var title = document.createElementNS(SVG, 'title');
      title.textContent = time(r.startedAt) + ': ' + r.outcome + ', ' + duration(runMs(r));
      rect.appendChild(title);
      svg.appendChild(rect);
    });
    var label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', '0');
    label.setAttribute('y', String(height + 12));
    label.setAttribute('font-size', '10');
    label.setAttribute('fill', '#57606a');
    label.textContent = 'duration of the last ' + runs.length + ' runs (max ' + duration(max) + ')';
    svg.appendChild(label);
    return svg;
  }

  // What an operator typed and has not sent yet, per job and field: a refresh redraws the cards, not the drafts.
  var drafts = {};
  // The last answer to an operator's action, per job, shown until the next action.
  var notes = {};

  function act(job, action, path, body, fields) {
    busy[job] = action;
    delete notes[job];
    render(lastJobs);
    var request = api('POST', '/jobs/' + encodeURIComponent(job) + path, body);
    // A triggered run or a retry can take long; show it as running while it goes.
    if (action === 'trigger' || action === 'retry-failed') setTimeout(load, 300);
    request.then(function (answer) {
      delete busy[job];
      (fields || []).forEach(function (field) { if (drafts[job]) delete drafts[job][field]; });
      if (action === 'retry-failed') {
        notes[job] = { ok: true, text: 'Retried the failed tenants of ' + time(answer.retryOf) + ': ' + tenantsText(answer) };
      }
      return load();
    }, function (error) {
      delete busy[job];
      notes[job] = { ok: false, text: action + ' failed: ' + error.message };
      render(lastJobs);
    });
  }

  function field(job, name, attrs) {
    var node = el('input', attrs);
    node.setAttribute('data-field', name);
    var typed = drafts[job.name];
    if (typed && Object.prototype.hasOwnProperty.call(typed, name)) node.value = typed[name];
    node.oninput = function () { (drafts[job.name] = drafts[job.name] || {})[name] = node.value; };
    return node;
  }

  function button(job, action, label, className, onclick) {
    var node = el('button', { type: onclick ? 'button' : 'submit', 'data-action': action, text: label });
    if (className) node.className = className;
    node.disabled = !!busy[job.name];
    if (onclick) node.onclick = onclick;
    return node;
  }

  // A form that never navigates (the page's CSP forbids form targets anyway): submit runs the handler.
  function form(name, children, onsubmit) {
    var node = el('form', { className: 'controls', 'data-field': name }, children);
    node.onsubmit = function (event) { event.preventDefault(); onsubmit(); };
    return node;
  }

  function trimmed(node) { return node.value.trim(); }

  // Milliseconds as the shortest exact duration string the schedule route reads back ('30m', '90s', '900ms').
  function durationInput(ms) {
    var units = [['h', 3600000], ['m', 60000], ['s', 1000]];
    for (var i = 0; i < units.length; i++) if (ms > 0 && ms % units[i][1] === 0) return ms / units[i][1] + units[i][0];
    return ms + 'ms';
  }

  function zonesText(zones) {
    var shown = zones.slice(0, 4).join(', ');
    return zones.length > 4 ? shown + ' and ' + (zones.length - 4) + ' more' : shown;
  }

  function failedCount(report) {
    var t = report.tenants;
    return t ? (t.counts ? t.counts.failed : t.failed.length) : 0;
  }

  function scheduleSection(job) {
    var s = job.schedule;
    var source = s.source === 'override'
      ? 'changed at runtime' + (s.by ? ' by ' + s.by : '') + (s.at ? ' on ' + time(s.at) : '') + (s.reason ? ': “' + s.reason + '”' : '')
      : 'as in the code';
    var cron = field(job, 'schedule-cron', { placeholder: 'cron', size: '12', value: s.cron, 'aria-label': 'cron' });
    var jitter = field(job, 'schedule-jitter', { placeholder: 'window (e.g. 5m)', size: '7', value: s.jitterMs ? durationInput(s.jitterMs) : '', 'aria-label': 'jitter' });
    var zone = field(job, 'schedule-zone', { placeholder: 'time zone', size: '12', value: s.timeZone || '', 'aria-label': 'time zone' });
    var reason = field(job, 'schedule-reason', { placeholder: 'reason', maxlength: '500', size: '10', 'aria-label': 'reason of the change' });
    var fields = ['schedule-cron', 'schedule-jitter', 'schedule-zone', 'schedule-reason'];
    var children = [cron, jitter, zone, reason, button(job, 'reschedule', busy[job.name] === 'reschedule' ? 'Saving…' : 'Change schedule')];
    if (s.source === 'override') {
      children.push(button(job, 'reset-schedule', "Back to the code's schedule", 'warn', function () {
        act(job.name, 'reset-schedule', '/schedule', { reset: true }, fields);
      }));
    }
    var change = form('schedule-form', children, function () {
      var body = {};
      if (trimmed(cron)) body.cron = trimmed(cron);
      if (trimmed(jitter)) body.jitter = trimmed(jitter);
      if (trimmed(zone)) body.timeZone = trimmed(zone);
      if (trimmed(reason)) body.reason = trimmed(reason);
      act(job.name, 'reschedule', '/schedule', body, fields);
    });
    return el('div', { className: 'section' }, [
      el('div', { className: 'source' + (s.source === 'override' ? ' override' : ''), 'data-field': 'schedule-source', text: 'Schedule ' + source }),
      change
    ]);
  }

  function policiesLine(job) {
    var r = job.retry;
    var retry = r.attempts > 1
      ? 'retry: ' + r.attempts + ' attempts, backoff ' + duration(r.backoffMs) + ' up to ' + duration(r.maxBackoffMs)
      : 'retry: none';
    var parts = ['overlap: ' + job.overlap, retry];
    if (job.pauseOnFailure) parts.push('pauses after ' + job.pauseOnFailure + ' failed runs in a row');
    return el('div', { className: 'counts', 'data-field': 'policies', text: parts.join(' · ') });
  }

  function healthLine(job) {
    var last = job.lastCompleted
      ? 'last completed: ' + time(job.lastCompleted.occurrence) + ' (finished ' + time(job.lastCompleted.finishedAt) + ')'
      : 'no completed run yet';
    return el('div', { className: 'counts' + (job.consecutiveFailures ? ' failing' : ''), 'data-field': 'health',
      text: 'failed runs in a row: ' + job.consecutiveFailures + ' · ' + last });
  }

  function nextSection(job) {
    if (job.localTime && job.nextTicks) {
      return el('div', { className: 'next', 'data-field': 'next-ticks' }, [
        el('strong', { text: 'Next instants (each tenant by its own clock)' }),
        el('ul', null, job.nextTicks.map(function (tick) {
          return el('li', { text: time(tick.at) + ' — ' + zonesText(tick.timeZones), title: tick.timeZones.join(', ') });
        }))
      ]);
    }
    return el('div', { className: 'next' }, [
      el('strong', { text: 'Next runs' }),
      el('ul', null, job.nextOccurrences.map(function (iso) { return el('li', { text: time(iso) }); }))
    ]);
  }

  function tenantsSection(job) {
    var listed = job.pausedTenants || { total: 0, tenants: [] };
    var fields = ['tenant-id', 'tenant-reason', 'tenant-until'];
    var rows = listed.tenants.map(function (p) {
      return el('li', { 'data-tenant': p.tenantId }, [
        el('code', { text: p.tenantId }),
        el('span', { text: ' since ' + time(p.since) + ' by ' + p.by + (p.reason ? ': “' + p.reason + '”' : '') +
          (p.until ? ' — resumes ' + time(p.until) : '') + ' ' }),
        button(job, 'resume-listed-tenant', 'Resume', null, function () {
          act(job.name, 'resume-tenant', '/tenants/' + encodeURIComponent(p.tenantId) + '/resume', {});
        })
      ]);
    });
    var heading = listed.total === 0 ? 'No tenant paused.'
      : 'Paused tenants: ' + listed.total + (listed.total > listed.tenants.length ? ' (the first ' + listed.tenants.length + ' listed)' : '');
    var id = field(job, 'tenant-id', { placeholder: 'tenant id', size: '12', required: 'required', 'aria-label': 'tenant id' });
    var reason = field(job, 'tenant-reason', { placeholder: 'reason', maxlength: '500', size: '12', 'aria-label': 'reason of the pause' });
    var until = field(job, 'tenant-until', { placeholder: 'until (e.g. 2h)', size: '10', 'aria-label': 'paused until' });
    function path(action) { return '/tenants/' + encodeURIComponent(trimmed(id)) + '/' + action; }
    var steer = form('tenant-form', [
      id, reason, until,
      button(job, 'pause-tenant', 'Pause tenant', 'warn'),
      button(job, 'resume-tenant', 'Resume tenant', null, function () {
        if (!id.reportValidity()) return;
        act(job.name, 'resume-tenant', path('resume'), {}, fields);
      })
    ], function () {
      var body = {};
      if (trimmed(reason)) body.reason = trimmed(reason);
      if (trimmed(until)) body.until = trimmed(until);
      act(job.name, 'pause-tenant', path('pause'), body, fields);
    });
    return el('div', { className: 'section', 'data-field': 'paused-tenants' }, [
      el('strong', { text: heading }),
      rows.length ? el('ul', { className: 'tenants' }, rows) : null,
      steer
    ]);
  }

  function historySection(job) {
    // A run's failures can be retried from the newest run of its occurrence: an older one no longer says what failed.
    var newest = {};
    job.recent.forEach(function (r) { if (r.tenants && !newest[r.occurrence]) newest[r.occurrence] = r.runId; });
    var rows = job.recent.slice(0, 15).map(function (r) {
      var marks = [];
      if (r.skipReason) marks.push(r.skipReason);
      if (r.retryOf) marks.push('retry of ' + time(r.retryOf));
      if (r.tries > 1) marks.push(r.tries + ' tries');
      if (r.tenants && r.tenants.retried && r.tenants.retried.length) {
        marks.push((r.tenants.counts ? r.tenants.counts.retried : r.tenants.retried.length) + ' tenants retried');
      }
      if (r.replacedBy) marks.push('replaced by ' + time(r.replacedBy));
      var failed = failedCount(r);
      var action = null;
      if (failed > 0 && newest[r.occurrence] === r.runId) {
        action = button(job, 'retry-failed', busy[job.name] === 'retry-failed' ? 'Retrying…' : 'Retry ' + failed + ' failed tenant' + (failed === 1 ? '' : 's'), null, function () {
          act(job.name, 'retry-failed', '/retry-failed', { occurrence: r.occurrence });
        });
      }
      return el('tr', { 'data-run-id': r.runId }, [
        el('td', { text: time(r.startedAt) }),
        el('td', { className: 'wrap o-' + r.outcome, text: r.outcome + (marks.length ? ' (' + marks.join(', ') + ')' : '') }),
        el('td', { text: r.instanceId }),
        el('td', { text: duration(runMs(r)) }),
        el('td', { className: 'wrap', title: r.error || '' }, [el('span', { text: tenantsText(r) }), action])
      ]);
    });
    return rows.length === 0 ? el('div', { className: 'empty', text: 'No runs recorded yet.' }) :
      el('div', { className: 'table' }, [el('table', { 'data-field': 'history' }, [
        el('thead', null, [el('tr', null, ['Started', 'Outcome', 'Instance', 'Duration', 'Tenants'].map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', null, rows)
      ])]);
  }

  function card(job) {
    var running = job.running;
    var title = el('h2', null, [
      el('span', { text: job.name }),
      job.perTenant ? el('span', { className: 'badge', text: job.localTime ? 'per tenant, local time' : 'per tenant' }) : null,
      job.schedule.source === 'override' ? el('span', { className: 'badge override', text: 'schedule changed' }) : null,
      job.paused ? el('span', { className: 'badge paused', 'data-field': 'paused-badge', text: 'paused' }) : null,
      running ? el('span', { className: 'badge running', text: 'running' }) : null
    ]);
    var schedule = el('div', { className: 'schedule' }, [
      el('code', { text: job.cron }),
      el('span', { text: ' · ' + (job.timeZone || 'server time zone') + (job.jitterMs ? ' · window ' + duration(job.jitterMs) : '') })
    ]);
    var c = job.counts;
    var counts = el('div', { className: 'counts', text: 'last ' + job.recent.length + ': ' + c.completed + ' completed, ' +
      c.failed + ' failed, ' + c.skipped + ' skipped, ' + c.interrupted + ' interrupted' });
    var state = el('div', null, []);
    if (job.paused) {
      var p = job.paused;
      state.appendChild(el('div', { className: 'paused-note', 'data-field': 'paused-state',
        text: 'Paused since ' + time(p.since) + ' by ' + p.by + (p.reason ? ': “' + p.reason + '”' : '') +
          (p.until ? ' — resumes ' + time(p.until) : '') }));
    }
    if (running) {
      var done = running.tenantsDone, total = running.tenantsTotal;
      var bar = el('div', { className: 'progress', role: 'progressbar' }, [el('div', null, [])]);
      var pct = total ? Math.round((done / total) * 100) : 0;
      bar.firstChild.style.width = (total === undefined ? 100 : pct) + '%';
      if (total !== undefined) { bar.setAttribute('aria-valuenow', String(pct)); }
      state.appendChild(el('div', { 'data-field': 'running' }, [
        el('div', { text: 'Running on ' + running.instanceId + (running.startedAt ? ' since ' + time(running.startedAt) : '') +
          (total !== undefined ? ' — ' + done + ' of ' + total + ' tenants' : '') }),
        bar
      ]));
    }
    var pending = busy[job.name];
    var controls = el('div', { className: 'controls' }, [
      button(job, 'trigger', pending === 'trigger' ? 'Running…' : 'Trigger now', 'primary', function () { act(job.name, 'trigger', '/trigger'); })
    ]);
    if (job.paused) {
      controls.appendChild(button(job, 'resume', 'Resume', null, function () { act(job.name, 'resume', '/resume'); }));
    } else {
      var reason = field(job, 'reason', { placeholder: 'reason', maxlength: '500', size: '18' });
      var until = field(job, 'until', { placeholder: 'until (e.g. 2h)', size: '12' });
      controls.appendChild(reason);
      controls.appendChild(until);
      controls.appendChild(button(job, 'pause', 'Pause', 'warn', function () {
        var body = {};
        if (trimmed(reason)) body.reason = trimmed(reason);
        if (trimmed(until)) body.until = trimmed(until);
        act(job.name, 'pause', '/pause', body, ['reason', 'until']);
      }));
    }
    var note = notes[job.name];
    return el('section', { className: 'job' + (job.paused ? ' is-paused' : ''), 'data-job': job.name }, [
      title, schedule,
      el('div', { className: 'row' }, [nextSection(job), state]),
      policiesLine(job), healthLine(job), counts,
      chart(job.recent), historySection(job), controls,
      scheduleSection(job),
      job.perTenant ? tenantsSection(job) : null,
      el('div', { className: 'msg' + (note && note.ok ? ' ok' : ''), 'data-field': 'message', role: 'status', text: note ? note.text : '' })
    ]);
  }

  var lastJobs = [];
  function render(jobs) {
    var root = document.getElementById('jobs');
    // Redrawing replaces every input: keep the focus (and the caret) where the operator is typing.
    var active = document.activeElement;
    var focusJob = active && active.closest ? active.closest('[data-job]') : null;
    var focus = focusJob && active.getAttribute('data-field') ? {
      job: focusJob.getAttribute('data-job'), field: active.getAttribute('data-field'),
      start: active.selectionStart, end: active.selectionEnd
    } : null;
    root.replaceChildren.apply(root, jobs.map(card));
    if (focus) {
      var again = root.querySelector('[data-job="' + CSS.escape(focus.job) + '"] input[data-field="' + focus.field + '"]');
      if (again) {
        again.focus();
        if (focus.start !== null) again.setSelectionRange(focus.start, focus.end);
      }
    }
  }

  function load() {
    clearTimeout(timer);
    return api('GET', '/jobs').then(function (jobs) {
      lastJobs = jobs;
      document.getElementById('error').textContent = '';
      render(jobs);
      var active = jobs.some(function (j) { return j.running; }) || Object.keys(busy).length > 0;
      document.getElementById('status').textContent = jobs.length + ' job(s) · updated ' + new Date().toLocaleTimeString() +
        (active ? ' · refreshing every 2 s while a run is in progress' : '');
      timer = setTimeout(load, active ? 2000 : 15000);
    }, function (error) {
      document.getElementById('error').textContent = 'Could not load the jobs: ' + error.message;
      timer = setTimeout(load, 5000);
    });
  }

  load();
})();
</script>
</body>
</html>
`;
