import { authed, fields, problemText, say, signedIn } from './app.js';

const form = document.getElementById('password-form');
const message = document.getElementById('password-message');

// Note: a person whose first password an admin set (mustChangePassword) is sent here from every page and every API
// call until they choose their own; the page says so, offers nothing else but signing out, and moves on to their
// devices once it is done.
let forced = false;

function chooseYourOwn() {
  forced = true;
  document.title = 'Choose your password · Latchkey';
  document.getElementById('password-title').textContent = 'Choose your password';
  document.getElementById('password-intro').textContent =
    'An administrator set your first password. Choose your own to continue; only you will know it.';
  document.getElementById('current-label').textContent = 'Password you were given';
  document.getElementById('password-submit').textContent = 'Save and continue';
  const menu = document.querySelector('nav[aria-label="Main"]');
  if (menu) menu.hidden = true;
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { current, new: next, confirm } = fields(form);
  if (!current || !next) {
    say(message, forced ? 'Enter the password you were given and a new one.' : 'Enter your current password and a new one.');
    return;
  }
  if (next !== confirm) {
    say(message, 'The two new passwords differ.');
    form.confirm.focus();
    return;
  }
  const result = await authed('PUT', '/v1/me/password', { currentPassword: current, newPassword: next });
  if (result.ok && forced) {
    location.assign('/devices');
  } else if (result.ok) {
    form.reset();
    say(message, 'Password changed. Every other device has been signed out.', 'ok');
  } else {
    say(message, problemText(result));
  }
});

const me = await signedIn();
if (me?.mustChangePassword) chooseYourOwn();
