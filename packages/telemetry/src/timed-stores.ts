import type { Histogram } from 'prom-client';

type StoreHistogram = Histogram<'store' | 'operation' | 'outcome'>;

/**
 * `store` with each method call timed into `histogram` (`store`, `operation` = the method's name,
 * `outcome` ok or error); a method that returns no promise is only passed through. Labels come
 * from the interface's method names, a fixed set.
 */
export function timeStoreCalls<T extends object>(store: T, name: string, histogram: StoreHistogram): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let timed = wrapped.get(property);
      if (timed === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        timed = (...args: unknown[]): unknown => {
          const end = histogram.startTimer({ store: name, operation: property });
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (err) {
            end({ outcome: 'error' });
            throw err;
          }
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v: unknown) => {
              end({ outcome: 'ok' });
              return v;
            },
            (err: unknown) => {
              end({ outcome: 'error' });
              throw err;
            },
          );
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}

/**
 * `stores` (the storage object) with the members named in `keys` replaced by timed copies
 * (timeStoreCalls); every other member is the original's.
 */
export function timeStores<S extends object, K extends keyof S & string>(stores: S, keys: readonly K[], histogram: StoreHistogram): S {
  const timed = new Map<PropertyKey, unknown>();
  for (const key of keys) {
    const store = stores[key];
    if (typeof store === 'object' && store !== null) timed.set(key, timeStoreCalls(store, key, histogram));
  }
  return new Proxy(stores, {
    get(target, property) {
      if (timed.has(property)) return timed.get(property);
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the original (a class's private fields are not reachable through a proxy).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
