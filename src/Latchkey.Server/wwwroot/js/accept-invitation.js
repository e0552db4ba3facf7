import { token } from './fragment-token.js';
import { api, fields, problemText, say } from './app.js';

const form = document.getElementById('accept-form');
const message = document.getElementById('accept-message');
if (!token) {
  say(message, 'This page needs the link from the invitation message. Open the link again.');
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { password, confirm } = fields(form);
  if (!password) {
    say(message, 'Choose a password.');
    form.password.focus();
    return;
  }
  if (password !== confirm) {
    say(message, 'The two passwords differ.');
    form.confirm.focus();
    return;
  }
  const result = await api('POST', '/v1/invitations/accept', { token, password });
  if (result.ok) {
    location.assign('/login?invited=1');
    return;
  }
  say(message, problemText(result));
});
