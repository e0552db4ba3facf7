// Reads the one-time token of an e-mailed link from the URL fragment (#token=…) and removes it from the address bar.
// Note: imported first by the pages that take such a link, so it runs before any other of their code: the token
// leaves the address bar (and so the history, bookmarks, a shared screen) at once. A fragment is never sent to a
// server, so it reaches no log and no Referer either.
const params = new URLSearchParams(location.hash.slice(1));
export const token = params.get('token') || '';
if (location.hash) {
  history.replaceState(null, '', location.pathname + location.search);
}
