import { api, fields, problemText, say } from './app.js';

const form = document.getElementById('signup-form');
const message = document.getElementById('signup-message');

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { tenant, login, password, confirm } = fields(form);
  if (!tenant || !login || !password) {
    say(message, 'Fill in the organisation name, a login and a password.');
    return;
  }
  if (password !== confirm) {
    say(message, 'The two passwords differ.');
    form.confirm.focus();
    return;
  }
  const result = await api('POST', '/v1/signup', { tenant, login, password });
  if (result.ok) {
    location.assign('/login?created=1');
    return;
  }
  say(message, result.status === 409 ? 'That login cannot be used. Choose another one.' : problemText(result));
  message.focus?.();
});
