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

// The tenant's policy: for owners only (an admin's GET is refused, and the form stays hidden). Fields are shown in
// hours, minutes and days; the API speaks seconds. An empty field is the server's value (null).
const policyForm = document.getElementById('policy-form');
const policyMessage = document.getElementById('policy-message');
const units = {
  sessionAbsoluteLifetimeHours: ['sessionAbsoluteLifetimeSeconds', 3600],
  sessionIdleTimeoutMinutes: ['sessionIdleTimeoutSeconds', 60],
  maxAppInstancesPerPerson: ['maxAppInstancesPerPerson', 1],
  machineTokenMaxLifetimeDays: ['machineTokenMaxLifetimeSeconds', 86400],
  passwordMinLength: ['passwordMinLength', 1],
};

function showPolicy(policy) {
  for (const [field, [key, unit]] of Object.entries(units)) {
    const input = policyForm.elements[field];
    input.value = policy[key] == null ? '' : String(policy[key] / unit);
    const server = policy.server[key];
    input.placeholder = server == null ? '' : `server: ${+(server / unit).toFixed(2)}`;
  }
  policyForm.machineTokenScopes.value = policy.machineTokenScopes == null ? '' : policy.machineTokenScopes.join(' ');
  policyForm.machineTokenScopes.placeholder = 'any';
  policyForm.hidden = false;
}

policyForm.addEventListener('submit', async event => {
  event.preventDefault();
  const body = {};
  for (const [field, [key, unit]] of Object.entries(units)) {
    const value = policyForm.elements[field].value.trim();
    body[key] = value === '' ? null : Math.round(Number(value) * unit);
  }
  const scopes = policyForm.machineTokenScopes.value.trim();
  body.machineTokenScopes = scopes === '' ? null : scopes.split(/\s+/);
  const result = await authed('PATCH', '/v1/tenant/policy', body);
  if (result.ok) {
    showPolicy(result.data);
    say(policyMessage, 'Policy saved.', 'ok');
  } else {
    say(policyMessage, problemText(result));
  }
});

const policy = await authed('GET', '/v1/tenant/policy');
if (policy.ok) showPolicy(policy.data);
