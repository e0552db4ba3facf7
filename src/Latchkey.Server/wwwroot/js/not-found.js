// The "page not found" page: the menu is there for a person who is signed in, and needs its script then.
import { signedIn } from './app.js';

if (document.getElementById('logout')) await signedIn();
