/* sw.js — service worker of the tracking page: shows the Web Push messages Rastro's notifier
   sends ({"title","body","url","lang"} JSON, src/notify/webpush.c) in the customer's language
   (lang lets the system read it aloud and shape it as Spanish or English) and opens the
   tracking page when one is tapped. */
self.addEventListener('push', function (ev) {
  var m = {};
  try { m = ev.data ? ev.data.json() : {}; } catch (e) { m = { body: ev.data && ev.data.text() }; }
  ev.waitUntil(self.registration.showNotification(m.title || 'Rastro', {
    body: m.body || '', lang: m.lang || '', data: { url: m.url || '/' }, tag: m.tag || undefined
  }));
});
self.addEventListener('notificationclick', function (ev) {
  ev.notification.close();
  ev.waitUntil(self.clients.openWindow(ev.notification.data && ev.notification.data.url || '/'));
});
