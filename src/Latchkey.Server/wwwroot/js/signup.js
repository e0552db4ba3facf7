import { afterSignIn, api, appId, fields, problemText, say } from './app.js';

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
    // Note: the new owner is signed in at once, as a sign-in from this page would (the same app id, the key in the
    // HttpOnly cookie), and lands on their devices. Should that sign-in be refused (a second factor the tenant's
    // policy asks for, a throttle), the sign-in page takes over with the account made.
    const session = await api('POST', '/v1/login?useCookies=true', { login, password, appId: appId() });
    if (session.ok && !session.data?.mfaRequired) {
      await afterSignIn('/devices');
    } else {
      location.assign('/login?created=1');
    }
    return;
  }
  say(message, result.status === 409 ? 'That login cannot be used. Choose another one.' : problemText(result));
  message.focus?.();
});
