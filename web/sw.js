/* sw.js — service worker of the tracking page: shows the Web Push messages Rastro's notifier
   sends ({"title","body","url"} JSON) and opens the tracking page when one is tapped. */
self.addEventListener('push', function (ev) {
  var m = {};
  try { m = ev.data ? ev.data.json() : {}; } catch (e) { m = { body: ev.data && ev.data.text() }; }
  ev.waitUntil(self.registration.showNotification(m.title || 'Rastro', {
    body: m.body || '', data: { url: m.url || '/' }, tag: m.tag || undefined
  }));
});
self.addEventListener('notificationclick', function (ev) {
  ev.notification.close();
  ev.waitUntil(self.clients.openWindow(ev.notification.data && ev.notification.data.url || '/'));
});
