import { authed, fields, problemText, say, signedIn } from './app.js';

const emailForm = document.getElementById('email-form');
const emailMessage = document.getElementById('email-form-message');

function showEmail(me) {
  document.getElementById('email-current').textContent = me.email || 'none';
  const state = document.getElementById('email-state');
  state.textContent = me.email ? (me.emailVerified ? 'Verified' : 'Not verified') : '';
  state.hidden = !me.email;
}

emailForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { email, password } = fields(emailForm);
  if (!email || !password) {
    say(emailMessage, 'Enter the new address and your password.');
    return;
  }
  const result = await authed('PUT', '/v1/me/email', { email, password });
  if (result.ok) {
    emailForm.reset();
    say(emailMessage, `A link has been sent to ${email}. The new address takes effect when you open it.`, 'ok');
  } else {
    say(emailMessage, problemText(result));
  }
});

const me = await signedIn();
if (me) showEmail(me);
