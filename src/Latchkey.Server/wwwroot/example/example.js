import { Latchkey, LatchkeyError } from '/latchkey.js';

const status = document.getElementById('status');
const form = document.getElementById('login-form');
const app = document.getElementById('app');
const result = document.getElementById('result');

function say(text, kind = 'ok') {
  status.textContent = text;
  status.className = `message ${kind}`;
  status.hidden = !text;
}

function show() {
  form.hidden = latchkey.loggedIn;
  app.hidden = !latchkey.loggedIn;
  document.getElementById('app-id').textContent = latchkey.appId;
}

const latchkey = new Latchkey({
  appName: 'latchkey.js example',
  // Note: nothing is renewed behind the person's back: a refused key means "log in again", with the reason.
  onUnauthorized: (reason, detail) => {
    say(`Your session has ended (${reason}): ${detail} Please log in again.`, 'error');
    result.textContent = '';
    show();
    form.login.focus();
  },
});

form.addEventListener('submit', async event => {
  event.preventDefault();
  try {
    await latchkey.login(form.login.value, form.password.value);
    form.reset();
    say('Logged in.');
    show();
  } catch (error) {
    if (!(error instanceof LatchkeyError)) throw error;
    say(error.message, 'error');
  }
});

document.getElementById('call').addEventListener('click', async () => {
  try {
    const me = await latchkey.fetchJson('/v1/me');
    result.textContent = `Hello ${me.login} (${me.roles.join(', ')}), session ${me.sessionId}`;
  } catch (error) {
    if (!(error instanceof LatchkeyError)) throw error;
    if (error.status !== 401) say(error.message, 'error');
  }
});

document.getElementById('logout').addEventListener('click', async () => {
  await latchkey.logout();
  say('Logged out.');
  show();
});

show();
