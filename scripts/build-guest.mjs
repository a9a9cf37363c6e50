/**
 * Builds the code that runs inside script isolates (src/scripting/guest/)
 * into one self-contained file per language: dist/guest/lua.js (fengari,
 * the Lua adapter and the guest runtime) and dist/guest/js.js. `npm run
 * build` runs it after tsc has checked the sources.
 *
 * fengari is bundled from its individual modules (its main file would also
 * load io, package and debug, which need Node), and patched here:
 * - integer arithmetic leaving the 32-bit range gives the exact result as a
 *   float instead of wrapping (docs/scripts.md: "Values");
 * - a JS exception inside the VM (an allocation that does not fit the
 *   memory limit) reaches the native-error handler even when the Lua frame
 *   had filled its stack: fengari pushes the handler without making room,
 *   its own stack check fails, and the error value becomes that handler.
 * Each patch must match its text exactly once, so a different fengari fails
 * this build loudly.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Sets an arithmetic result: an integer when it fits fengari's 32 bits, else the exact float. */
const SETINT = `
function __crosstalk_setint(o, v) { var i = v | 0; if (i === v) o.setivalue(i); else o.setfltvalue(v); }
`;

const PATCHES = {
  'lvm.js': [
    ['L.stack[ra].setivalue((op1.value + op2.value)|0);', '__crosstalk_setint(L.stack[ra], op1.value + op2.value);'],
    ['L.stack[ra].setivalue((op1.value - op2.value)|0);', '__crosstalk_setint(L.stack[ra], op1.value - op2.value);'],
    ['L.stack[ra].setivalue(luaV_imul(op1.value, op2.value));', '__crosstalk_setint(L.stack[ra], op1.value * op2.value);'],
    ['L.stack[ra].setivalue(luaV_div(L, op1.value, op2.value));', '__crosstalk_setint(L.stack[ra], luaV_div(L, op1.value, op2.value));'],
    ['L.stack[ra].setivalue((-op.value)|0);', '__crosstalk_setint(L.stack[ra], -op.value);'],
    ['return Math.floor(m / n)|0;', 'return Math.floor(m / n);'],
  ],
  'lobject.js': [
    ['case LUA_OPADD:  return (v1 + v2)|0;', 'case LUA_OPADD:  return v1 + v2;'],
    ['case LUA_OPSUB:  return (v1 - v2)|0;', 'case LUA_OPSUB:  return v1 - v2;'],
    ['case LUA_OPMUL:  return lvm.luaV_imul(v1, v2);', 'case LUA_OPMUL:  return v1 * v2;'],
    ['case LUA_OPUNM:  return (0 - v1)|0;', 'case LUA_OPUNM:  return 0 - v1;'],
    ['res.setivalue(intarith(L, op, p1.value, p2.value));', '__crosstalk_setint(res, intarith(L, op, p1.value, p2.value));'],
  ],
  'ldo.js': [
    [
      'lapi.lua_pushcfunction(L, atnativeerror);',
      'luaD_checkstack(L, 2); if (L.ci.top < L.top + 2) L.ci.top = L.top + 2; lapi.lua_pushcfunction(L, atnativeerror);',
    ],
  ],
  // Tables: each fengari table allocated a second Map for deleted keys that
  // almost no table ever needs; it is made on the first deletion instead. A
  // deleted entry gets a new dead key rather than marking its key in place,
  // so tables the Lua adapter builds may share one key value per field name
  // (lua/marshal.ts). Both cut the memory of an event handed to Lua by a
  // third (4.5 → 3.2 KB per event: BENCHMARKS.md "one sandbox").
  'ltable.js': [
    ['this.dead_strong = new Map();', 'this.dead_strong = void 0;'],
    ['t.dead_strong.clear();', 'if (t.dead_strong !== void 0) t.dead_strong.clear();'],
    ['e.key.setdeadvalue();', 'e.key = new lobject.TValue(e.key.type, e.key.value); e.key.setdeadvalue();'],
    ['t.dead_strong.set(hash, e);', 'if (t.dead_strong === void 0) t.dead_strong = new Map(); t.dead_strong.set(hash, e);'],
    ['|| table.dead_strong.get(hash);', '|| (table.dead_strong !== void 0 && table.dead_strong.get(hash));'],
  ],
  'lstrlib.js': [
    [
      `let n = luaL_checkinteger(L, arg);
                    addlenmod(form, to_luastring(LUA_INTEGER_FRMLEN, true));`,
      `let n = (strfrmt[i - 1] === 100 || strfrmt[i - 1] === 105) ? __crosstalk_wide(L, arg) : luaL_checkinteger(L, arg);
                    addlenmod(form, to_luastring(LUA_INTEGER_FRMLEN, true));`,
    ],
  ],
};

/** '%d' and '%i' also take a float that holds a whole number up to 2^53 (what integer arithmetic now yields). */
const WIDE = `
function __crosstalk_wide(L, arg) {
  var api = require('./lua.js');
  if (!api.lua_isinteger(L, arg) && api.lua_type(L, arg) === api.LUA_TNUMBER) {
    var n = api.lua_tonumber(L, arg);
    if (Number.isInteger(n) && Math.abs(n) <= 9007199254740992) return n;
  }
  return require('./lauxlib.js').luaL_checkinteger(L, arg);
}
`;

const patchFengari = {
  name: 'patch-fengari',
  setup(b) {
    b.onLoad({ filter: /fengari[\\/]src[\\/](lvm|lobject|lstrlib|ldo|ltable)\.js$/ }, async (args) => {
      const file = path.basename(args.path);
      let text = await readFile(args.path, 'utf8');
      for (const [from, to] of PATCHES[file]) {
        const first = text.indexOf(from);
        if (first < 0 || text.indexOf(from, first + 1) >= 0) {
          throw new Error(`fengari ${file}: expected exactly one occurrence of ${JSON.stringify(from)}; crosstalk needs fengari 0.1.5`);
        }
        text = text.replace(from, to);
      }
      if (file === 'lstrlib.js') text += WIDE;
      else if (file === 'lvm.js' || file === 'lobject.js') text += SETINT;
      return { contents: text, loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  mainFields: ['main'],
  target: 'es2022',
  // only reached on Node.js code paths of fengari, which never run in an isolate
  external: ['fs', 'os', 'tmp', 'child_process', 'path', 'readline-sync', 'crypto'],
  // fengari's settings: a Lua stack of 200,000 slots (Lua's default of 1,000,000
  // would not fit a small isolate: runaway recursion should be an ordinary
  // "stack overflow" error, not an out-of-memory stop)
  define: { 'process.env.FENGARICONF': JSON.stringify(JSON.stringify({ LUAI_MAXSTACK: 200_000 })) },
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [patchFengari],
};

await Promise.all(
  ['lua', 'js'].map((lang) =>
    build({
      ...common,
      entryPoints: [path.join(ROOT, `src/scripting/guest/${lang}/entry.ts`)],
      outfile: path.join(ROOT, `dist/guest/${lang}.js`),
    }),
  ),
);
