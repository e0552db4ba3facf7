// The "not allowed" page keeps the signed-in menu (a member's own pages, signing out), so it fills that menu in.
import { signedIn } from './app.js';

await signedIn();
