// jsdom has no IntersectionObserver, and @grafana/scenes creates one when its module loads
// (LazyLoader). Nothing here renders, so an observer that never fires is all it needs.
if (typeof globalThis.IntersectionObserver === 'undefined') {
  class NeverIntersecting {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  (globalThis as unknown as { IntersectionObserver: unknown }).IntersectionObserver = NeverIntersecting;
}
export {};
