// workers-types declares no node: modules; workerd provides this one under nodejs_compat
// (https://developers.cloudflare.com/workers/runtime-apis/nodejs/asynclocalstorage/). Only what
// rate-limit.ts uses is declared.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
