// The "this page needs JavaScript" page (a form sent without script): the menu is there for a person who is signed in, and needs its script then.
import { signedIn } from './app.js';

if (document.getElementById('logout')) await signedIn();
