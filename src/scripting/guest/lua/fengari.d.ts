/**
 * fengari ships no types. The guest imports its modules one by one (the
 * package's main file would also load io, package and debug, which need
 * Node); vm.ts gives them their types.
 */
declare module 'fengari/src/lua.js' {
  const lua: unknown;
  export = lua;
}
declare module 'fengari/src/lauxlib.js' {
  const lauxlib: unknown;
  export = lauxlib;
}
declare module 'fengari/src/fengaricore.js' {
  const core: unknown;
  export = core;
}
declare module 'fengari/src/lbaselib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/lstrlib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/ltablib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/lmathlib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/lutf8lib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/lcorolib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/loslib.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/lobject.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/ltable.js' {
  const m: unknown;
  export = m;
}
declare module 'fengari/src/lstring.js' {
  const m: unknown;
  export = m;
}
