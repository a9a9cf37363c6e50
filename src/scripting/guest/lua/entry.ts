/**
 * Entry of dist/guest/lua.js (scripts/build-guest.mjs): leaves the boot
 * function where the host finds it, once; boot removes it again.
 */
import { boot, check } from './main.js';

Object.defineProperty(globalThis, '__crosstalkGuest', { value: { boot, check }, configurable: true, writable: true });
