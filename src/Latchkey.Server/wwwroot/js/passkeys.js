// WebAuthn in the browser: the server's options (JSON, binary members base64url) to the objects
// navigator.credentials wants, and the authenticator's answer back to JSON. The server keeps the ceremony; the page
// only carries its ceremonyId from the options call to the answer.

const fromBase64Url = text => {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - base64.length % 4) % 4));
  return Uint8Array.from(binary, c => c.charCodeAt(0));
};

const toBase64Url = buffer => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// Note: members the server left null are dropped: WebIDL refuses null where it wants a sequence or an enum.
const withoutNulls = value => JSON.parse(JSON.stringify(value, (_, v) => (v === null ? undefined : v)));

const descriptors = list => (list || []).map(d => ({ ...d, id: fromBase64Url(d.id) }));

/** Whether this browser can use passkeys at all (a secure context with WebAuthn). */
export const passkeysSupported = () => window.isSecureContext && 'PublicKeyCredential' in window;

/** Creates a passkey for the registration options; resolves to the answer as JSON. */
export async function createPasskey(serverOptions) {
  const options = withoutNulls(serverOptions);
  const publicKey = {
    ...options,
    challenge: fromBase64Url(options.challenge),
    user: { ...options.user, id: fromBase64Url(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
  const credential = await navigator.credentials.create({ publicKey });
  return {
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64Url(credential.response.clientDataJSON),
      attestationObject: toBase64Url(credential.response.attestationObject),
      transports: credential.response.getTransports ? credential.response.getTransports() : [],
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

/** Asks the authenticator for an assertion for the request options; resolves to the answer as JSON. */
export async function getPasskey(serverOptions) {
  const options = withoutNulls(serverOptions);
  const publicKey = {
    ...options,
    challenge: fromBase64Url(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  };
  const credential = await navigator.credentials.get({ publicKey });
  return {
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64Url(credential.response.clientDataJSON),
      authenticatorData: toBase64Url(credential.response.authenticatorData),
      signature: toBase64Url(credential.response.signature),
      userHandle: credential.response.userHandle ? toBase64Url(credential.response.userHandle) : null,
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

/** A sentence for a ceremony the browser ended (the person cancelled, timed out, or no passkey fits). */
export function passkeyErrorText(error) {
  return error?.name === 'NotAllowedError'
    ? 'The passkey request was cancelled or timed out.'
    : error?.name === 'InvalidStateError'
      ? 'This passkey is registered already.'
      : 'The passkey could not be used here.';
}
