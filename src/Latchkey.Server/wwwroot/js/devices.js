import { authed, el, nextPage, pagedList, problemText, say, signedIn, time } from './app.js';
import { confirmAction } from './confirm.js';

const body = document.querySelector('#devices tbody');
const message = document.getElementById('devices-message');
const endOthers = document.getElementById('end-others');
const pageSize = 50;
let sessions = [];

function row(session) {
  const name = session.appName || 'Unknown device';
  const device = el('td', {},
    el('strong', {}, name),
    session.current ? el('span', { className: 'badge' }, 'This device') : null,
    el('br'), el('small', {}, `App id ${session.appId}`));
  const endButton = el('button', {
    type: 'button',
    className: session.current ? 'secondary' : 'danger',
    onclick: () => end(session),
  }, session.current ? 'Sign out' : 'End');
  endButton.setAttribute('aria-label', session.current ? `Sign out of this device (${name})` : `End session on ${name}`);
  return el('tr', { dataset: { session: session.id, current: String(session.current) } },
    device,
    el('td', { dataset: { label: 'Signed in' } }, time(session.createdAt), el('br'), el('small', {}, session.createdIp ? `from ${session.createdIp}` : 'address unknown')),
    el('td', { dataset: { label: 'Last used' } }, time(session.lastUsedAt)),
    el('td', { dataset: { label: 'Expires' } }, time(session.expiresAt)),
    el('td', {}, endButton));
}

const list = pagedList(`/v1/sessions?limit=${pageSize}`, document.getElementById('devices-more'), (result, append) => {
  if (!result.ok) {
    say(message, problemText(result));
    return;
  }
  sessions = append ? sessions.concat(result.data) : result.data;
  if (append) body.append(...result.data.map(row));
  else body.replaceChildren(...result.data.map(row));
  endOthers.hidden = !sessions.some(s => !s.current) && document.getElementById('devices-more').hidden;
});
const load = () => list.reload();

async function end(session) {
  const result = await authed('DELETE', `/v1/sessions/${session.id}`);
  if (session.current) {
    location.assign('/login');
    return;
  }
  say(message, result.ok || result.status === 404 ? `Ended the session on ${session.appName || 'the device'}.` : problemText(result),
    result.ok || result.status === 404 ? 'ok' : 'error');
  await load();
  document.getElementById('main').focus();
}

// Note: every other session, not only the pages shown: the rest are read page by page first.
async function allSessions() {
  const all = [];
  let path = `/v1/sessions?limit=200`;
  while (path) {
    const result = await authed('GET', path);
    if (!result.ok) break;
    all.push(...result.data);
    path = nextPage(result);
  }
  return all;
}

endOthers.addEventListener('click', async () => {
  if (!await confirmAction({
    title: 'Sign out all other devices?',
    text: ['Every other browser and app signed in to your account is signed out at once and has to sign in again.',
      'This device stays signed in.'],
    action: 'Sign out other devices',
  })) return;
  const others = (await allSessions()).filter(s => !s.current);
  for (const session of others) await authed('DELETE', `/v1/sessions/${session.id}`);
  say(message, `Signed out ${others.length} other device${others.length === 1 ? '' : 's'}.`, 'ok');
  await load();
});

await signedIn();
await load();
