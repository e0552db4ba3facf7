import { authed, el, problemText, say, signedIn, time } from './app.js';

const body = document.querySelector('#audit tbody');
const message = document.getElementById('audit-message');
const filter = document.getElementById('audit-filter');
const older = document.getElementById('audit-older');
const pageSize = 25;
let next = null;
const names = new Map();

function who(id) {
  if (!id) return '—';
  return names.get(id) ?? el('code', { title: id }, id.slice(0, 8));
}

async function load(before) {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (filter.event.value) query.set('event', filter.event.value);
  if (before) query.set('before', before);
  const result = await authed('GET', `/v1/audit?${query}`);
  if (!result.ok) {
    say(message, problemText(result));
    return;
  }
  next = result.data.nextBefore;
  older.disabled = !next;
  say(message, result.data.entries.length ? '' : 'No events.', 'ok');
  body.replaceChildren(...result.data.entries.map(e => el('tr', {},
    el('td', {}, time(e.at)), el('td', {}, el('code', {}, e.event)), el('td', {}, who(e.actorUserId)),
    el('td', {}, who(e.subjectUserId)), el('td', {}, e.appId ?? '—'), el('td', {}, e.ip ?? '—'), el('td', {}, e.detail ?? ''))));
}

filter.addEventListener('submit', event => { event.preventDefault(); load(null); });
document.getElementById('audit-newest').addEventListener('click', () => load(null));
older.addEventListener('click', () => { if (next) load(next); });

await signedIn();
// Note: ids become logins where the person may see them: the tenant's users and machine users.
const [users, machines] = await Promise.all([authed('GET', '/v1/users'), authed('GET', '/v1/machine-users')]);
for (const u of users.ok ? users.data : []) names.set(u.userId, u.login);
for (const m of machines.ok ? machines.data : []) names.set(m.userId, m.name);
await load(null);
