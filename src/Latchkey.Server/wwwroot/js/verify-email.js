import { token } from './fragment-token.js';
import { api, problemText, say } from './app.js';

const message = document.getElementById('verify-message');
if (!token) {
  say(message, 'This page needs the link from the e-mail message. Open the link again.');
} else {
  // Note: the token is spent by a POST from script, not by opening the link: a mail scanner that follows links
  // without running script cannot verify an address on someone's behalf.
  const result = await api('POST', '/v1/email/verify', { token });
  say(message, result.ok ? 'Your e-mail address is verified.' : problemText(result), result.ok ? 'ok' : 'error');
}
