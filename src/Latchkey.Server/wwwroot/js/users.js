import { authed, el, fields, pagedList, problemText, say, signedIn, time } from './app.js';

const body = document.querySelector('#users tbody');
const message = document.getElementById('users-message');
const panel = document.getElementById('user-sessions');
const panelList = document.getElementById('user-sessions-list');
const form = document.getElementById('user-form');
const formMessage = document.getElementById('user-form-message');
const roles = ['member', 'admin', 'owner'];
let shown = null;

async function act(result, done) {
  say(message, result.ok ? done : problemText(result), result.ok ? 'ok' : 'error');
  await load();
}

function row(user) {
  const roleSelect = el('select', { id: `role-${user.userId}` },
    roles.map(r => el('option', { value: r, selected: user.roles.includes(r) }, r[0].toUpperCase() + r.slice(1))));
  const roleLabel = el('label', { htmlFor: roleSelect.id, className: 'visually-hidden' }, `Role of ${user.login}`);
  const saveRole = el('button', {
    type: 'button', className: 'secondary',
    onclick: async () => act(await authed('PATCH', `/v1/users/${user.userId}`, { roles: [roleSelect.value] }),
      `${user.login} is now ${roleSelect.value}.`),
  }, 'Save role');
  saveRole.setAttribute('aria-label', `Save role of ${user.login}`);
  const actions = [
    el('button', {
      type: 'button', className: user.disabled ? 'secondary' : 'danger',
      onclick: async () => act(await authed('PATCH', `/v1/users/${user.userId}`, { disabled: !user.disabled }),
        `${user.login} is ${user.disabled ? 'enabled' : 'disabled'}.`),
      ariaLabel: `${user.disabled ? 'Enable' : 'Disable'} ${user.login}`,
    }, user.disabled ? 'Enable' : 'Disable'),
    el('button', {
      type: 'button', className: 'secondary',
      onclick: async () => act(await authed('POST', `/v1/users/${user.userId}/unlock`), `${user.login} is unlocked.`),
      ariaLabel: `Unlock ${user.login}`,
    }, 'Unlock'),
    el('button', {
      type: 'button', className: 'secondary', onclick: () => showSessions(user), ariaLabel: `Sessions of ${user.login}`,
    }, 'Sessions'),
  ];
  return el('tr', { dataset: { user: user.userId } },
    el('td', {}, user.login),
    el('td', {}, roleLabel, roleSelect, ' ', saveRole),
    el('td', { dataset: { label: 'Status' } }, user.disabled ? 'Disabled' : 'Active'),
    el('td', { dataset: { label: 'Last used' } }, time(user.lastUsedAt)),
    el('td', { className: 'actions' }, actions));
}

const list = pagedList('/v1/users?limit=50', document.getElementById('users-more'), (result, append) => {
  if (!result.ok) {
    say(message, problemText(result));
    return;
  }
  if (append) body.append(...result.data.map(row));
  else body.replaceChildren(...result.data.map(row));
});
const load = () => list.reload();

const sessionItem = s => el('li', {},
  el('strong', {}, s.appName || 'Unknown device'), ' — signed in ', time(s.createdAt),
  s.createdIp ? ` from ${s.createdIp}` : '', ', last used ', time(s.lastUsedAt));

let sessionList = null;

async function showSessions(user) {
  shown = user;
  document.getElementById('user-sessions-title').textContent = `Sessions of ${user.login}`;
  const more = document.getElementById('user-sessions-more');
  // Note: a fresh button per person shown, so that "More" never pages on through the previous person's sessions.
  const button = more.cloneNode(true);
  more.replaceWith(button);
  sessionList = pagedList(`/v1/users/${user.userId}/sessions?limit=50`, button, (result, append) => {
    const items = result.ok ? result.data.map(sessionItem) : [el('li', {}, problemText(result))];
    if (append) panelList.append(...items);
    else panelList.replaceChildren(...(items.length ? items : [el('li', {}, 'No live sessions.')]));
  });
  await sessionList.reload();
  panel.hidden = false;
  panel.focus();
}

document.getElementById('user-sessions-end').addEventListener('click', async () => {
  const result = await authed('DELETE', `/v1/users/${shown.userId}/sessions`);
  say(message, result.ok ? `Ended every session of ${shown.login}.` : problemText(result), result.ok ? 'ok' : 'error');
  await showSessions(shown);
});
document.getElementById('user-sessions-close').addEventListener('click', () => { panel.hidden = true; });

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { login, password, role } = fields(form);
  if (!login || !password) {
    say(formMessage, 'Enter a login and a first password.');
    return;
  }
  const result = await authed('POST', '/v1/users', { login, password, roles: [role] });
  if (result.ok) {
    form.reset();
    say(formMessage, '');
    say(message, `Added ${login}.`, 'ok');
    await load();
  } else {
    say(formMessage, result.status === 409 ? 'That login cannot be used. Choose another one.' : problemText(result));
  }
});

const inviteForm = document.getElementById('invite-form');
const inviteMessage = document.getElementById('invite-form-message');
const invitations = document.getElementById('invitations');

async function loadInvitations() {
  const result = await authed('GET', '/v1/invitations');
  const list = result.ok ? result.data : [];
  invitations.replaceChildren(...list.map(i => el('li', { dataset: { invitation: i.id } },
    el('strong', {}, i.email), ` as ${i.role}, sent `, time(i.createdAt), ', expires ', time(i.expiresAt), ' ',
    el('button', {
      type: 'button', className: 'danger', ariaLabel: `Revoke the invitation of ${i.email}`,
      onclick: async () => {
        const revoked = await authed('DELETE', `/v1/invitations/${i.id}`);
        say(message, revoked.ok ? `Revoked the invitation of ${i.email}.` : problemText(revoked), revoked.ok ? 'ok' : 'error');
        await loadInvitations();
      },
    }, 'Revoke'))));
  document.getElementById('invitations-empty').hidden = list.length > 0;
}

inviteForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { email, role } = fields(inviteForm);
  if (!email) {
    say(inviteMessage, 'Enter the e-mail address of the person to invite.');
    return;
  }
  const result = await authed('POST', '/v1/invitations', { email, role });
  if (result.ok) {
    inviteForm.reset();
    say(inviteMessage, '');
    say(message, `Invited ${email} as ${role}.`, 'ok');
    await loadInvitations();
  } else {
    say(inviteMessage, problemText(result));
  }
});

await signedIn();
await load();
await loadInvitations();
