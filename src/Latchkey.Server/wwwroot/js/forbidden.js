// The "not allowed" page needs no script; this module exists so every page loads one the same way.
