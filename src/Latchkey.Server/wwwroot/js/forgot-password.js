import { api, fields, problemText, say } from './app.js';

const form = document.getElementById('forgot-form');
const message = document.getElementById('forgot-message');

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { login } = fields(form);
  if (!login) {
    say(message, 'Enter your login.');
    form.login.focus();
    return;
  }
  const result = await api('POST', '/v1/password-reset', { login });
  // Note: the server answers the same for every login; so does this page (its own sentence, not the server's).
  if (result.ok) {
    form.reset();
    say(message, 'If this login belongs to a person with a verified e-mail address, a message with a link to choose a new password is on its way. The link works once and for a short time.', 'ok');
  } else {
    say(message, problemText(result));
  }
});
