/**
 * Creating many resources in batches, with a turn of the event loop between batches.
 *
 * A Pulumi resource keeps its registration machinery (an Output with about twenty promises per property, see
 * @pulumi/pulumi runtime/rpc.js transferProperties) until its registration completes, and registrations only move
 * once the code creating them yields to the event loop. Hundreds of tenants created in one synchronous loop keep all
 * of it alive at once: 850 MB live at 500 tenants under the offline engine (docs/performance.md), and the garbage
 * collector copies all of it on every young-generation collection. A turn of the event loop between batches lets each
 * batch's registrations go out first (under the mock monitor: complete). What is registered, and every URN, stays
 * the same; only the order in which registrations reach the engine changes. Callers await the returned promise.
 */

/**
 * Tenants created before the event loop gets a turn. docs/performance.md: at 500 tenants one or two per turn plan in
 * ~6.5 s and 600 MB, 25 in ~9.5 s and 900 MB, all at once in ~13 s and 2.2 GB.
 */
export const TENANT_BATCH = 1;

/**
 * Calls `create` for every item in order, `size` at a time, yielding to the event loop between batches. The first
 * batch is created before this returns, and an error in it is thrown right away, as from a plain loop; an error in a
 * later batch rejects the promise. Nothing after the failing item is created.
 */
export function inBatches<T>(items: readonly T[], size: number, create: (item: T) => void): Promise<void> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a positive integer, got ${size}`);
  for (const item of items.slice(0, size)) create(item);
  return later(items.slice(size), size, create);
}

async function later<T>(items: readonly T[], size: number, create: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await new Promise((resolve) => setImmediate(resolve));
    for (const item of items.slice(i, i + size)) create(item);
  }
}
