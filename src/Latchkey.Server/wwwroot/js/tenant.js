import { authed, fields, problemText, say, signedIn, time } from './app.js';

const form = document.getElementById('tenant-form');
const message = document.getElementById('tenant-message');

function show(tenant) {
  form.name.value = tenant.name;
  form.contactEmail.value = tenant.contactEmail || '';
  document.getElementById('tenant-created').replaceChildren(time(tenant.createdAt));
  document.getElementById('tenant-id').textContent = tenant.tenantId;
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { name, contactEmail } = fields(form);
  const result = await authed('PATCH', '/v1/tenant', { name, contactEmail });
  if (result.ok) {
    show(result.data);
    say(message, 'Saved.', 'ok');
  } else {
    say(message, problemText(result));
  }
});

await signedIn();
const tenant = await authed('GET', '/v1/tenant');
if (tenant.ok) show(tenant.data);
else say(message, problemText(tenant));
