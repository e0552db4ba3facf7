import { authed, el, problemText, say, signedIn } from './app.js';

const body = document.querySelector('#audit tbody');
const message = document.getElementById('audit-message');
const filter = document.getElementById('audit-filter');
const older = document.getElementById('audit-older');
const exportLink = document.getElementById('audit-export');
const pageSize = 25;
let next = null;
const names = new Map();

// Note: to the second, in the viewer's own time zone; the UTC instant is the element's title and its datetime.
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
document.getElementById('audit-zone').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';

function when(iso) {
  const at = new Date(iso);
  return el('time', { dateTime: at.toISOString(), title: at.toISOString().replace('.000Z', 'Z') + ' (UTC)' }, timeFormat.format(at));
}

function who(id) {
  if (!id) return '—';
  const name = names.get(id);
  return name ? el('span', { title: id }, name) : el('code', { title: id }, id.slice(0, 8));
}

/** The device's name where a session still names it, its app id on hover; the bare id otherwise. */
function device(entry) {
  if (!entry.appId) return '—';
  return entry.appName ? el('span', { title: `App id ${entry.appId}` }, entry.appName) : el('code', { title: entry.appId }, entry.appId);
}

/** A cell with its column's name (shown above the value at phone width) and, when it may be cut, its full text on hover. */
function cell(label, content, full) {
  const td = el('td', { dataset: { label } }, content);
  if (full) td.title = full;
  return td;
}

/**
 * The filter as the page's address keeps it (event, actor, from and to as local days) turned into the API's query:
 * from is the start of its day, to the end of its day, both in the viewer's time zone.
 */
function apiQuery(params) {
  const query = new URLSearchParams();
  for (const name of ['event', 'actor']) if (params.get(name)) query.set(name, params.get(name));
  const day = value => /^\d{4}-\d{2}-\d{2}$/.test(value ?? '') ? new Date(value + 'T00:00:00') : null;
  const from = day(params.get('from'));
  const to = day(params.get('to'));
  if (from) query.set('from', from.toISOString());
  if (to) {
    to.setDate(to.getDate() + 1);
    query.set('to', to.toISOString());
  }
  return query;
}

function showFilter(params) {
  for (const name of ['event', 'actor', 'from', 'to']) filter.elements[name].value = params.get(name) ?? '';
}

async function load(before) {
  const params = new URLSearchParams(location.search);
  const query = apiQuery(params);
  exportLink.href = '/v1/audit/export' + (query.size ? '?' + query : '');
  query.set('limit', String(pageSize));
  if (before) query.set('before', before);
  const result = await authed('GET', `/v1/audit?${query}`);
  if (!result.ok) {
    say(message, problemText(result));
    body.replaceChildren();
    return;
  }
  next = result.data.nextBefore;
  older.disabled = !next;
  say(message, result.data.entries.length ? '' : 'No events match.', 'ok');
  body.replaceChildren(...result.data.entries.map(e => el('tr', {},
    cell('When', when(e.at)), cell('Event', el('code', {}, e.event)), cell('Who', who(e.actorUserId)),
    cell('Whom', who(e.subjectUserId)), cell('Device', device(e)), cell('Address', e.ip ?? '—', e.ip),
    cell('Detail', e.detail ?? '', e.detail))));
}

// Note: the filter lives in the page's address (?event=&actor=&from=&to=), so a filtered view can be bookmarked and
// shared, and Back returns to the previous one.
filter.addEventListener('submit', event => {
  event.preventDefault();
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(filter)) if (value) params.set(name, value);
  history.pushState(null, '', params.size ? `?${params}` : location.pathname);
  load(null);
});
window.addEventListener('popstate', () => { showFilter(new URLSearchParams(location.search)); load(null); });
document.getElementById('audit-newest').addEventListener('click', () => load(null));
older.addEventListener('click', () => { if (next) load(next); });

await signedIn();
// Note: ids become logins where the person may see them: the tenant's users and machine users.
const [users, machines] = await Promise.all([authed('GET', '/v1/users?limit=200'), authed('GET', '/v1/machine-users?limit=200')]);
const people = [...(users.ok ? users.data.map(u => [u.userId, u.login]) : []), ...(machines.ok ? machines.data.map(m => [m.userId, m.name]) : [])];
for (const [id, name] of people) names.set(id, name);
filter.elements.actor.append(...people.sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => el('option', { value: id }, name)));
showFilter(new URLSearchParams(location.search));
await load(null);
