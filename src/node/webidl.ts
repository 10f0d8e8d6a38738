// Web IDL (webidl.spec.whatwg.org), "JavaScript type mapping": the argument and dictionary
// conversions the WHATWG WebSocket interface and its events need, so that `new WebSocket(…)`,
// `new CloseEvent(…)` and friends accept and refuse exactly what a browser does.

/** Web IDL `DOMString`: ToString, which throws `TypeError` for a Symbol (`String(symbol)` would not). */
export function toDOMString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('a Symbol cannot be converted to a string');
  return String(value);
}

/** Web IDL `USVString`: a `DOMString` with each lone surrogate replaced by U+FFFD. */
export function toUSVString(value: unknown): string {
  // String.prototype.toWellFormed (ES2024, in Node 20) does exactly this; the ES2022 typings lack it.
  return (toDOMString(value) as unknown as { toWellFormed(): string }).toWellFormed();
}

/** Web IDL `boolean`: ToBoolean. */
export function toBoolean(value: unknown): boolean {
  return Boolean(value);
}

/** Web IDL `unsigned short` (no extended attribute): ToNumber, truncate, then modulo 2^16 (NaN and ±∞ give 0). */
export function toUnsignedShort(value: unknown): number {
  const x = toNumber(value);
  if (!Number.isFinite(x)) return 0;
  const truncated = Math.trunc(x);
  return ((truncated % 65536) + 65536) % 65536;
}

/** Web IDL `[Clamp] unsigned short`: NaN → 0, clamp to 0–65535, round half to even. */
export function toClampedUnsignedShort(value: unknown): number {
  const n = toNumber(value);
  const x = Math.min(Math.max(Number.isNaN(n) ? 0 : n, 0), 65535);
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** ECMAScript ToNumber: `Number()` except that a Symbol or BigInt throws `TypeError`, as `+value` does. */
function toNumber(value: unknown): number {
  return +(value as number);
}

/**
 * A dictionary argument (`optional XInit init = {}`): undefined and null are an empty dictionary,
 * any other non-object is a `TypeError`. Members are then read with `init[name]`.
 */
export function toDictionary(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') throw new TypeError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

/** Throws the `TypeError` a browser throws when a required argument is missing. */
export function requireArguments(given: number, needed: number, where: string): void {
  if (given < needed) throw new TypeError(`${where}: ${needed} argument${needed === 1 ? '' : 's'} required, but only ${given} present`);
}

/** The union `(DOMString or sequence<DOMString>)`: an iterable object is a sequence, anything else a string. */
export function isIterableObject(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/**
 * `BufferSource` as a union member: an `ArrayBuffer` or a view of one. Web IDL refuses shared
 * memory unless the argument is marked `[AllowShared]`, which `send()`'s is not: a
 * `SharedArrayBuffer`, or a view of one, is a `TypeError` (a copy of racing memory could tear).
 */
export function bufferSourceBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
  if (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer) {
    throw new TypeError('send() does not accept a SharedArrayBuffer or a view of one');
  }
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
}

/**
 * Web IDL `EventHandler` (HTML "event handler IDL attributes"): the type is
 * `[LegacyTreatNonObjectAsNull] callback EventHandlerNonNull`, nullable. A value that is not an
 * object becomes null; any object is kept as it is, callable or not — a non-callable object is
 * stored, read back unchanged, and does nothing when the event fires.
 */
export function toEventHandler(value: unknown): object | null {
  return (typeof value === 'object' && value !== null) || typeof value === 'function' ? value : null;
}

/** Makes `Object.prototype.toString.call(x)` say `[object Name]`, as Web IDL's class string does. */
export function setClassString(constructor: { prototype: object }, name: string): void {
  Object.defineProperty(constructor.prototype, Symbol.toStringTag, { value: name, configurable: true });
}

/**
 * Web IDL "interface object" details for a class: constants on the class and on its prototype
 * (enumerable, read-only, not configurable), attributes and operations enumerable, and the
 * class string `[object Name]`.
 */
export function defineInterface(
  constructor: { prototype: object },
  name: string,
  constants: Record<string, number>,
  /** Operations whose arguments are all optional: Web IDL gives them length 0 (it counts required arguments). */
  allOptional: readonly string[] = [],
): void {
  for (const key of allOptional) Object.defineProperty((constructor.prototype as Record<string, unknown>)[key], 'length', { value: 0 });
  for (const key of Object.getOwnPropertyNames(constructor.prototype)) {
    if (key !== 'constructor') Object.defineProperty(constructor.prototype, key, { enumerable: true });
  }
  for (const [key, value] of Object.entries(constants)) {
    for (const target of [constructor, constructor.prototype]) {
      Object.defineProperty(target, key, { value, enumerable: true, writable: false, configurable: false });
    }
  }
  setClassString(constructor, name);
}
