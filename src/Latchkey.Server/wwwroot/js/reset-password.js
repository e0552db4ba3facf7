import { token } from './fragment-token.js';
import { api, fields, problemText, say } from './app.js';

const form = document.getElementById('reset-form');
const message = document.getElementById('reset-message');
if (!token) {
  say(message, 'This page needs the link from the e-mail message. Open the link again, or ask for a new one.');
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { password, confirm } = fields(form);
  if (!password) {
    say(message, 'Enter a new password.');
    form.password.focus();
    return;
  }
  if (password !== confirm) {
    say(message, 'The two passwords differ.');
    form.confirm.focus();
    return;
  }
  const result = await api('POST', '/v1/password-reset/complete', { token, password });
  if (result.ok) {
    location.assign('/login?reset=1');
    return;
  }
  say(message, problemText(result));
});
