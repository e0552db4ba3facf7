import { authed, el, fields, pagedList, problemText, say, signedIn, time } from './app.js';
import { confirmAction } from './confirm.js';

const body = document.querySelector('#users tbody');
const message = document.getElementById('users-message');
const panel = document.getElementById('user-sessions');
const panelList = document.getElementById('user-sessions-list');
const form = document.getElementById('user-form');
const formMessage = document.getElementById('user-form-message');
const search = document.getElementById('users-search');
const roles = ['member', 'admin', 'owner'];
// Note: ?limit= on the page's own address sets the page size (default 50), so a long list can be tried with a few people.
const pageSize = Math.min(Math.max(Number.parseInt(new URLSearchParams(location.search).get('limit') ?? '', 10) || 50, 1), 200);
let shown = null;

async function act(result, done) {
  say(message, result.ok ? done : problemText(result), result.ok ? 'ok' : 'error');
  await load();
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * The status cell: disabled, locked (until an admin unlocks), delayed (until when), or active; with the failed sign-ins
 * and whether the person has yet to replace the first password an admin set.
 */
function status(user) {
  const failures = user.failedAttempts > 0
    ? el('small', {}, ` · ${user.failedAttempts} failed sign-in${user.failedAttempts === 1 ? '' : 's'}`) : null;
  if (user.disabled) return ['Disabled'];
  if (user.lockedOut) return [el('strong', { className: 'locked' }, 'Locked'), failures];
  if (user.nextAttemptAt) {
    return [el('time', { dateTime: user.nextAttemptAt, title: user.nextAttemptAt }, `Delayed until ${clock.format(new Date(user.nextAttemptAt))}`), failures];
  }
  const firstPassword = user.mustChangePassword ? el('small', {}, ' · has not chosen a password yet') : null;
  return ['Active', firstPassword, failures];
}

const factorNames = { totp: 'Authenticator app', passkey: 'Passkey' };

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
      onclick: async () => {
        if (!user.disabled && !await confirmAction({
          title: `Disable ${user.login}?`,
          text: [`${user.login} is signed out of every device at once and cannot sign in until enabled again.`,
            'Their account and data stay; Enable undoes this.'],
          action: 'Disable',
        })) return;
        await act(await authed('PATCH', `/v1/users/${user.userId}`, { disabled: !user.disabled }),
          `${user.login} is ${user.disabled ? 'enabled' : 'disabled'}.`);
      },
      ariaLabel: `${user.disabled ? 'Enable' : 'Disable'} ${user.login}`,
    }, user.disabled ? 'Enable' : 'Disable'),
    // Note: only where there is something to unlock: a lock, or a delay that holds sign-in back now.
    user.lockedOut || user.nextAttemptAt ? el('button', {
      type: 'button', className: 'secondary',
      onclick: async () => act(await authed('POST', `/v1/users/${user.userId}/unlock`), `${user.login} is unlocked.`),
      ariaLabel: `Unlock ${user.login}`,
    }, 'Unlock') : null,
    el('button', {
      type: 'button', className: 'secondary', onclick: () => showSessions(user), ariaLabel: `Sessions of ${user.login}`,
    }, 'Sessions'),
    // Note: the message goes to the person's verified address only; without one there is nothing to send to.
    user.emailVerified && !user.disabled ? el('button', {
      type: 'button', className: 'secondary',
      onclick: async () => act(await authed('POST', `/v1/users/${user.userId}/password-reset`),
        `A password-reset link is on its way to ${user.email}.`),
      ariaLabel: `Send ${user.login} a password-reset e-mail`,
    }, 'Send reset e-mail') : null,
    el('button', {
      type: 'button', className: 'danger',
      onclick: async () => {
        if (!await confirmAction({
          title: `Delete ${user.login}?`,
          text: [`${user.login} is signed out of every device and their account is removed for good: this cannot be undone.`,
            'To keep the account but stop its use, disable it instead.'],
          action: 'Delete',
        })) return;
        await act(await authed('DELETE', `/v1/users/${user.userId}`), `Deleted ${user.login}.`);
      },
      ariaLabel: `Delete ${user.login}`,
    }, 'Delete'),
  ];
  const factors = user.secondFactors ?? [];
  return el('tr', { dataset: { user: user.userId } },
    el('td', {}, user.login, user.email && user.email !== user.login ? [el('br'), el('small', {}, user.email)] : null),
    el('td', {}, roleLabel, roleSelect, ' ', saveRole),
    el('td', { dataset: { label: 'Status' } }, status(user)),
    el('td', { dataset: { label: 'Second factor' } }, factors.length ? factors.map(f => factorNames[f] ?? f).join(', ') : 'None'),
    el('td', { dataset: { label: 'Last sign-in' } }, time(user.lastSignInAt)),
    el('td', { dataset: { label: 'Last used' } }, time(user.lastUsedAt)),
    el('td', { className: 'actions' }, actions));
}

const listPath = () => {
  const login = new FormData(search).get('login')?.toString().trim();
  return `/v1/users?limit=${pageSize}` + (login ? `&login=${encodeURIComponent(login)}` : '');
};
const list = pagedList(listPath(), document.getElementById('users-more'), (result, append) => {
  if (!result.ok) {
    say(message, problemText(result));
    return;
  }
  if (append) body.append(...result.data.map(row));
  else body.replaceChildren(...result.data.map(row));
  document.getElementById('users-empty').hidden = body.children.length > 0;
});
const load = () => list.reload(listPath());

search.addEventListener('submit', async event => {
  event.preventDefault();
  await load();
});

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
  if (!await confirmAction({
    title: `End every session of ${shown.login}?`,
    text: `${shown.login} is signed out of every device and app at once and has to sign in again.`,
    action: 'End all sessions',
  })) return;
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
  // Note: the first password is one the admin knows: unless they untick the box, the person chooses their own first.
  const mustChangePassword = form.mustChangePassword.checked;
  const result = await authed('POST', '/v1/users', { login, password, roles: [role], mustChangePassword });
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
