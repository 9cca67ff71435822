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
    var n = t.counts || { succeeded: t.succeeded.length, failed: t.failed.length };
    return n.succeeded + ' ok, ' + n.failed + ' failed / ' + t.total;
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

  function act(job, action, body) {
    busy[job] = action;
    render(lastJobs);
    var message = document.querySelector('[data-job="' + CSS.escape(job) + '"] [data-field="message"]');
    var request = api('POST', '/jobs/' + encodeURIComponent(job) + '/' + action, body);
    // A triggered run can take long; show it as running while it goes.
    if (action === 'trigger') setTimeout(load, 300);
    request.then(function () {
      delete busy[job];
      return load();
    }, function (error) {
      delete busy[job];
      render(lastJobs);
      var target = document.querySelector('[data-job="' + CSS.escape(job) + '"] [data-field="message"]') || message;
      if (target) target.textContent = action + ' failed: ' + error.message;
    });
  }

  function card(job) {
    var running = job.running;
    var title = el('h2', null, [
      el('span', { text: job.name }),
      job.perTenant ? el('span', { className: 'badge', text: 'per tenant' }) : null,
      job.paused ? el('span', { className: 'badge paused', 'data-field': 'paused-badge', text: 'paused' }) : null,
      running ? el('span', { className: 'badge running', text: 'running' }) : null
    ]);
    var schedule = el('div', { className: 'schedule' }, [
      el('code', { text: job.cron }),
      el('span', { text: ' · ' + (job.timeZone || 'server time zone') + (job.jitterMs ? ' · window ' + duration(job.jitterMs) : '') })
    ]);
    var next = el('div', { className: 'next' }, [
      el('strong', { text: 'Next runs' }),
      el('ul', null, job.nextOccurrences.map(function (iso) { return el('li', { text: time(iso) }); }))
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
    var rows = job.recent.slice(0, 15).map(function (r) {
      return el('tr', { 'data-run-id': r.runId }, [
        el('td', { text: time(r.startedAt) }),
        el('td', { className: 'o-' + r.outcome, text: r.outcome + (r.skipReason ? ' (' + r.skipReason + ')' : '') }),
        el('td', { text: r.instanceId }),
        el('td', { text: duration(runMs(r)) }),
        el('td', { text: tenantsText(r), title: r.error || '' })
      ]);
    });
    var history = rows.length === 0 ? el('div', { className: 'empty', text: 'No runs recorded yet.' }) :
      el('table', { 'data-field': 'history' }, [
        el('thead', null, [el('tr', null, ['Started', 'Outcome', 'Instance', 'Duration', 'Tenants'].map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', null, rows)
      ]);
    var reason = el('input', { 'data-field': 'reason', placeholder: 'reason', maxlength: '500', size: '18' });
    var until = el('input', { 'data-field': 'until', placeholder: "until (e.g. 2h)", size: '12' });
    var pending = busy[job.name];
    var triggerButton = el('button', { className: 'primary', 'data-action': 'trigger', text: pending === 'trigger' ? 'Running…' : 'Trigger now' });
    triggerButton.disabled = !!pending;
    triggerButton.onclick = function () { act(job.name, 'trigger'); };
    var controls = el('div', { className: 'controls' }, [triggerButton]);
    if (job.paused) {
      var resume = el('button', { 'data-action': 'resume', text: 'Resume' });
      resume.disabled = !!pending;
      resume.onclick = function () { act(job.name, 'resume'); };
      controls.appendChild(resume);
    } else {
      var pause = el('button', { className: 'warn', 'data-action': 'pause', text: 'Pause' });
      pause.disabled = !!pending;
      pause.onclick = function () {
        var body = {};
        if (reason.value.trim()) body.reason = reason.value.trim();
        if (until.value.trim()) body.until = until.value.trim();
        act(job.name, 'pause', body);
      };
      controls.appendChild(reason);
      controls.appendChild(until);
      controls.appendChild(pause);
    }
    return el('section', { className: 'job' + (job.paused ? ' is-paused' : ''), 'data-job': job.name }, [
      title, schedule,
      el('div', { className: 'row' }, [next, state]),
      counts, chart(job.recent), history, controls,
      el('div', { className: 'msg', 'data-field': 'message' }, [])
    ]);
  }

  var lastJobs = [];
  function render(jobs) {
    var root = document.getElementById('jobs');
    // Keep what an operator is typing across refreshes.
    var typed = {};
    root.querySelectorAll('[data-job]').forEach(function (node) {
      var r = node.querySelector('[data-field="reason"]'), u = node.querySelector('[data-field="until"]');
      typed[node.getAttribute('data-job')] = { reason: r ? r.value : '', until: u ? u.value : '', focus: document.activeElement };
    });
    root.replaceChildren.apply(root, jobs.map(card));
    root.querySelectorAll('[data-job]').forEach(function (node) {
      var t = typed[node.getAttribute('data-job')];
      if (!t) return;
      var r = node.querySelector('[data-field="reason"]'), u = node.querySelector('[data-field="until"]');
      if (r) r.value = t.reason;
      if (u) u.value = t.until;
    });
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
