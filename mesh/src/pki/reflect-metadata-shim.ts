/**
 * A minimal `Reflect` metadata API, installed only when none is present.
 *
 * Why: @peculiar/x509 is built on tsyringe, which refuses to load unless the Reflect metadata
 * API (usually the `reflect-metadata` package) exists. The mesh needs only the few functions
 * tsyringe calls, so this module supplies them rather than pulling in another global polyfill.
 * If a full polyfill is already loaded, this module leaves it alone. Import it before
 * @peculiar/x509 (`x509.ts` does, and is the only module that imports the library).
 */

type PropertyKey = string | symbol | undefined;
type MetadataMap = Map<unknown, unknown>;

const registry = new WeakMap<object, Map<PropertyKey, MetadataMap>>();

function ownMap(target: object, property: PropertyKey, create: true): MetadataMap;
function ownMap(target: object, property: PropertyKey, create: false): MetadataMap | undefined;
function ownMap(target: object, property: PropertyKey, create: boolean): MetadataMap | undefined {
  let byProperty = registry.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    registry.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (!map && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

function hasOwnMetadata(key: unknown, target: object, property?: PropertyKey): boolean {
  return ownMap(target, property, false)?.has(key) ?? false;
}

function getOwnMetadata(key: unknown, target: object, property?: PropertyKey): unknown {
  return ownMap(target, property, false)?.get(key);
}

function hasMetadata(key: unknown, target: object, property?: PropertyKey): boolean {
  for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t)) {
    if (hasOwnMetadata(key, t, property)) return true;
  }
  return false;
}

function getMetadata(key: unknown, target: object, property?: PropertyKey): unknown {
  for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t)) {
    if (hasOwnMetadata(key, t, property)) return getOwnMetadata(key, t, property);
  }
  return undefined;
}

function defineMetadata(key: unknown, value: unknown, target: object, property?: PropertyKey) {
  ownMap(target, property, true).set(key, value);
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== "function") {
  Object.assign(reflect, {
    defineMetadata,
    getMetadata,
    getOwnMetadata,
    hasMetadata,
    hasOwnMetadata,
  });
}
