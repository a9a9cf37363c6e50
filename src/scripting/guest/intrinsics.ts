/**
 * Built-ins the guest runtime uses, captured when the bundle loads, before
 * any script runs. A JS script shares its global object with the runtime;
 * one that replaces `JSON.parse` or `Array.prototype.push` then breaks only
 * itself, never the protocol with the host (which checks everything that
 * comes out of an isolate anyway).
 */
const uncurry =
  <T, A extends unknown[], R>(f: (this: T, ...a: A) => R) =>
  (self: T, ...a: A): R =>
    Reflect.apply(f, self, a) as R;

export const jsonParse = JSON.parse;
export const jsonStringify = JSON.stringify;
export const objectKeys = Object.keys;
export const getProto = Object.getPrototypeOf;
export const ObjectProto = Object.prototype;
export const isArray = Array.isArray;
export const freeze = Object.freeze;
export const defineProperty = Object.defineProperty;
export const hasOwn = Object.hasOwn;
export const reflectApply = Reflect.apply;
export const ErrorCtor = Error;
export const RangeErrorCtor = RangeError;
export const StringCtor = String;
export const isFiniteNum = Number.isFinite;
export const MapCtor = Map;
export const WeakSetCtor = WeakSet;
export const WeakMapCtor = WeakMap;
export const dateNow = Date.now;
export const mathFloor = Math.floor;
export const mathMax = Math.max;

export const sliceStr = uncurry(String.prototype.slice);
export const indexOfStr = uncurry(String.prototype.indexOf);
export const charCodeAt = uncurry(String.prototype.charCodeAt);
export const startsWith = uncurry(String.prototype.startsWith);
export const arrayJoin = uncurry(Array.prototype.join) as (a: readonly unknown[], sep: string) => string;
export const reTest = uncurry(RegExp.prototype.test);
export const mapGet = uncurry(Map.prototype.get) as <K, V>(m: Map<K, V>, k: K) => V | undefined;
export const mapSet = uncurry(Map.prototype.set) as <K, V>(m: Map<K, V>, k: K, v: V) => Map<K, V>;
export const mapDelete = uncurry(Map.prototype.delete) as <K, V>(m: Map<K, V>, k: K) => boolean;
export const mapHas = uncurry(Map.prototype.has) as <K, V>(m: Map<K, V>, k: K) => boolean;
const mapSizeGetter = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
export const mapSize = (m: Map<unknown, unknown>): number => Reflect.apply(mapSizeGetter, m, []) as number;
export const weakHas = uncurry(WeakSet.prototype.has) as <T extends object>(s: WeakSet<T>, v: T) => boolean;
export const weakAdd = uncurry(WeakSet.prototype.add) as <T extends object>(s: WeakSet<T>, v: T) => WeakSet<T>;
// the JS adapter removes Atomics from the script's global object
export const atomicsLoad = Atomics.load;
export const atomicsStore = Atomics.store;
export const atomicsAdd = Atomics.add;
