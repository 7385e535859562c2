// benchmarks/boot.py: resolves once the page's service worker, if it registered one, is active
// (it has cached the site), so the next visit in the same profile is a real warm visit.
async () => {
  const registration = await navigator.serviceWorker?.getRegistration();
  if (registration) await navigator.serviceWorker.ready;
}
