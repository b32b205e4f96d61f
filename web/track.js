/* track.js — progressive enhancement of the tracking page (the page works without it):
   live updates over Server-Sent Events (re-fetch the page, swap the #live region, announce the
   new headline to screen readers), browser push subscriptions (Web Push, VAPID), and the web
   chat without reloading (POST/GET /t/{code}/chat; every text is set with textContent). */
(function () {
  'use strict';
  var d = document, live = d.getElementById('live');

  /* Web chat: send with fetch, show the conversation, poll for the answers for a while. */
  var log = d.getElementById('chat-log'), chatForm = d.querySelector('form.chat-form');
  if (log && chatForm && window.fetch) {
    var chatSrc = log.getAttribute('data-src'), last = 0, polls = 0, timer = null;
    var url = function (after) { return chatSrc + (chatSrc.indexOf('?') < 0 ? '?' : '&') + 'after=' + after; };
    var show = function (msgs) {
      (msgs || []).forEach(function (m) {
        if (m.id <= last) return;
        last = m.id;
        var li = d.createElement('li'), who = d.createElement('span');
        li.className = m.direction === 'in' ? 'in' : 'out';
        who.className = 'who';
        who.textContent = m.direction === 'in' ? log.getAttribute('data-you')
          : m.author === 'agent' ? log.getAttribute('data-agent') : log.getAttribute('data-bot');
        li.appendChild(who);
        li.appendChild(d.createTextNode(' ' + m.body));
        log.appendChild(li);
      });
    };
    var fetchNew = function () {
      return fetch(url(last), { headers: { Accept: 'application/json' }, cache: 'no-store' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { if (j) show(j.messages); }).catch(function () {});
    };
    var poll = function () { /* answers from a person come later: look every 4 s for 3 minutes */
      polls = 45;
      if (timer) return;
      timer = setInterval(function () {
        if (--polls <= 0) { clearInterval(timer); timer = null; return; }
        fetchNew();
      }, 4000);
    };
    log.querySelectorAll('li').forEach(function (li) { li.remove(); }); /* re-read with ids */
    fetchNew().then(function () { if (last) poll(); });
    chatForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var box = chatForm.querySelector('textarea'), text = box.value.trim(), btn = chatForm.querySelector('button');
      if (!text) return;
      btn.disabled = true;
      var old = chatForm.querySelector('.err');
      if (old) old.remove();
      fetch(chatForm.getAttribute('action'), { method: 'POST', headers: { 'Content-Type': 'application/json',
        Accept: 'application/json' }, body: JSON.stringify({ body: text }) }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      }).then(function (j) {
        box.value = '';
        show(j.messages);
        poll();
      }).catch(function () {
        var p = d.createElement('p');
        p.className = 'err'; p.setAttribute('role', 'alert');
        p.textContent = log.getAttribute('data-err');
        chatForm.insertBefore(p, chatForm.firstChild);
      }).then(function () { btn.disabled = false; });
    });
  }
  if (live && window.EventSource && window.fetch && window.DOMParser) {
    var src = live.getAttribute('data-src'), busy = false, again = false;
    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      fetch(src, { headers: { Accept: 'text/html' }, cache: 'no-store' }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (t) {
        var doc = t && new DOMParser().parseFromString(t, 'text/html'), n = doc && doc.getElementById('live');
        if (n && n.innerHTML !== live.innerHTML) {
          live.innerHTML = n.innerHTML;
          d.title = doc.title; /* the tab says the status too */
          live.classList.remove('live-flash'); void live.offsetWidth; live.classList.add('live-flash');
          var h = d.getElementById('headline'), a = d.getElementById('announce');
          if (h && a) a.textContent = h.textContent;
        }
      }).catch(function () {}).then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
    };
    /* The browser reconnects by itself after a dropped connection, but not after an answer that
       is not a stream (a proxy's 502/503 while the server restarts, 429 too_many_streams): then
       the page would stop updating for good. Open a new stream later (2 s, doubling up to a
       minute) and, since a new one does not send Last-Event-ID, re-read the page once it opens. */
    var tries = 0;
    var listen = function () {
      var es = new EventSource(live.getAttribute('data-stream'));
      es.addEventListener('update', refresh);
      es.addEventListener('open', function () {
        if (tries) refresh();
        tries = 0;
      });
      es.addEventListener('error', function () {
        if (es.readyState !== 2) return; /* CONNECTING: the browser is on it */
        setTimeout(listen, Math.min(60000, 2000 * Math.pow(2, tries++)));
      });
      window.rastroLive = es; /* for tests and debugging */
    };
    listen();
  }

  /* Browser push: shown only when the server has a VAPID key and the browser can do it. */
  var form = d.querySelector('form[data-vapid]');
  if (!form || !('serviceWorker' in navigator) || !('PushManager' in window) || !window.fetch) return;
  var opt = form.querySelector('.push');
  if (opt) { opt.hidden = false; opt.querySelector('input').disabled = false; }
  /* browser notifications need no e-mail or phone: the contact box the public page requires
     must not stop the form (the browser would only say "fill in this field") */
  var contact = form.querySelector('input[name=contact]'), needed = contact && contact.required;
  form.addEventListener('change', function () {
    var ch = form.querySelector('input[name=channel]:checked');
    if (contact) contact.required = needed && !(ch && ch.value === 'push');
  });
  var key = function (s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(s + '==='.slice((s.length + 3) % 4)), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  };
  form.addEventListener('submit', function (ev) {
    var ch = form.querySelector('input[name=channel]:checked');
    if (!ch || ch.value !== 'push') return;
    ev.preventDefault();
    var stop = ev.submitter && ev.submitter.value === 'stop';
    var say = function (msg, ok) {
      var p = form.parentNode.querySelector('.push-msg') || d.createElement('p');
      p.className = 'push-msg ' + (ok ? 'ok' : 'err'); p.setAttribute('role', ok ? 'status' : 'alert');
      p.textContent = msg; form.parentNode.insertBefore(p, form);
    };
    var es_ = d.documentElement.lang === 'es';
    navigator.serviceWorker.register('/sw.js').then(function (reg) {
      return reg.pushManager.getSubscription().then(function (sub) {
        if (stop) return sub;
        return sub || reg.pushManager.subscribe({ userVisibleOnly: true,
          applicationServerKey: key(form.getAttribute('data-vapid')) });
      });
    }).then(function (sub) {
      if (!sub && stop) return null; /* this browser has none: nothing to stop, not a refusal */
      if (!sub) throw new Error('no subscription');
      return fetch(form.getAttribute('data-push'), { method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ subscription: sub.toJSON(), action: stop ? 'stop' : 'start' }) });
    }).then(function (r) {
      if (r && !r.ok) throw new Error('HTTP ' + r.status);
      say(stop ? (es_ ? 'Hecho: ya no recibirás notificaciones en este navegador.' : 'Done: no more notifications in this browser.')
               : (es_ ? 'Hecho: te avisaremos en este navegador.' : 'Done: we will notify you in this browser.'), true);
    }).catch(function () {
      say(es_ ? 'Tu navegador no ha permitido las notificaciones. Prueba con email o SMS.'
              : 'Your browser did not allow notifications. Try e-mail or SMS instead.', false);
    });
  });
})();
