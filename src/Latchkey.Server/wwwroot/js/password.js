import { authed, fields, problemText, say, signedIn } from './app.js';

const form = document.getElementById('password-form');
const message = document.getElementById('password-message');

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { current, new: next, confirm } = fields(form);
  if (!current || !next) {
    say(message, 'Enter your current password and a new one.');
    return;
  }
  if (next !== confirm) {
    say(message, 'The two new passwords differ.');
    form.confirm.focus();
    return;
  }
  const result = await authed('PUT', '/v1/me/password', { currentPassword: current, newPassword: next });
  if (result.ok) {
    form.reset();
    say(message, 'Password changed. Every other device has been signed out.', 'ok');
  } else {
    say(message, problemText(result));
  }
});

await signedIn();
