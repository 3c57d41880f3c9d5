// kasane — the one script, served from the binary. Pages work without it; it only adds
// conveniences: printing, the warning before the session's idle expiry (「延長する」),
// keeping what a form sent across a login (so that typing is not lost to an expiry), the
// intake checklist's keys, and the person picker's search as the worker types.
(function () {
  'use strict';

  document.addEventListener('click', function (e) {
    if (e.target.closest('[data-print]')) { window.print(); }
  });

  var body = document.body;
  var onLogin = !!document.querySelector('form.login');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function clock(seconds) {
    var at = new Date(Date.now() + seconds * 1000);
    return at.getHours() + ':' + String(at.getMinutes()).padStart(2, '0');
  }

  function csrf() {
    var field = document.querySelector('form.logout input[name=csrf]');
    return field ? field.value : '';
  }

  // --- The warning before the session ends -------------------------------------------
  // The page says how many seconds remain (data-session-expires-in) and when to warn
  // (data-session-warn-in); 「延長する」 asks /session/extend, which answers them anew.
  var banner = null;
  var timers = [];

  function clearTimers() {
    timers.forEach(clearTimeout);
    timers = [];
  }

  function showBanner(message, extendable) {
    if (!banner) {
      banner = el('div', 'session-warning');
      banner.setAttribute('role', 'alert');
      body.insertBefore(banner, body.firstChild);
    }
    banner.textContent = '';
    banner.appendChild(el('p', null, message));
    if (extendable) {
      var button = el('button', 'extend', '延長する');
      button.type = 'button';
      button.addEventListener('click', extend);
      banner.appendChild(button);
    }
  }

  function hideBanner() {
    if (banner) { banner.remove(); banner = null; }
  }

  function expired() {
    clearTimers();
    showBanner('ログインの有効期限が切れました。入力中の内容は、そのまま送信するとこの端末に一時保存され、' +
      'もう一度ログインするとこの画面に戻ります。', false);
  }

  function schedule(expiresIn, warnIn, extendable) {
    clearTimers();
    timers.push(setTimeout(function () {
      showBanner(extendable
        ? 'まもなくログインの有効期限が切れます(' + clock(expiresIn - warnIn) + 'ごろ)。続けて入力するときは「延長する」を押してください。'
        : 'ログインしてからの上限の時間が近づいています。' + clock(expiresIn - warnIn) +
          'ごろに自動でログアウトします。入力中の内容は先に記録してください。', extendable);
    }, warnIn * 1000));
    timers.push(setTimeout(expired, expiresIn * 1000));
  }

  function extend() {
    fetch('/session/extend', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf=' + encodeURIComponent(csrf()),
      credentials: 'same-origin',
      redirect: 'manual'
    }).then(function (res) {
      if (!res.ok) { throw new Error('not extended'); }
      return res.json();
    }).then(function (t) {
      hideBanner();
      schedule(t.expires_in, t.warn_in, t.extendable);
    }).catch(expired);
  }

  if (body.dataset.sessionExpiresIn) {
    schedule(Number(body.dataset.sessionExpiresIn), Number(body.dataset.sessionWarnIn),
      body.dataset.sessionExtendable === 'true');
  }

  // --- Keeping a form across a login ----------------------------------------------------
  // On submit, a form's fields are kept in this tab's sessionStorage (never on the server,
  // never in a URL), keyed by the page's path, with the user who typed them; the path is
  // also named in a cookie so that a POST refused for want of a login comes back to it.
  // The page after the submit tells what happened: the login page keeps the copy; any
  // other page means the server took the form (saved, or shown again with its problems),
  // so the copy goes. After the login, the form's page gets the copy back, once, with a
  // notice, and keeps it until it is sent again or discarded.
  var KEPT = 'kasane:kept:';
  var FORM_PAGE = 'kasane_form_page';
  var MAX_AGE_MS = 12 * 3600 * 1000;

  function skipped(field) {
    return !field.name || field.name === 'csrf' ||
      ['password', 'file', 'submit', 'button', 'reset'].indexOf(field.type) >= 0;
  }

  function read(key) {
    try { return JSON.parse(sessionStorage.getItem(key)); } catch (_) { return null; }
  }

  function write(key, copy) {
    try { sessionStorage.setItem(key, JSON.stringify(copy)); } catch (_) { /* full or off */ }
  }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if ((form.getAttribute('method') || '').toLowerCase() !== 'post' ||
        form.matches('.login, .logout, [data-keep=no]')) {
      return;
    }
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (f) {
      if (skipped(f)) { return; }
      if (f.type === 'checkbox' || f.type === 'radio') {
        fields.push({ n: f.name, v: f.value, c: f.checked });
      } else if (f.type === 'select-multiple') {
        fields.push({ n: f.name, o: Array.prototype.filter.call(f.options, function (o) {
          return o.selected;
        }).map(function (o) { return o.value; }) });
      } else {
        fields.push({ n: f.name, v: f.value });
      }
    });
    write(KEPT + location.pathname, {
      state: 'sent',
      user: body.dataset.user || '',
      at: Date.now(),
      form: Array.prototype.indexOf.call(document.forms, form),
      fields: fields
    });
    document.cookie = FORM_PAGE + '=' + location.pathname + '; path=/; max-age=600; samesite=strict';
  });

  function restore(key, copy) {
    var form = document.forms[copy.form];
    if (!form) { return; }
    var byName = {};
    copy.fields.forEach(function (f) { (byName[f.n] = byName[f.n] || []).push(f); });
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      var kept = byName[f.name];
      if (skipped(f) || !kept) { return; }
      if (f.type === 'checkbox' || f.type === 'radio') {
        var box = kept.filter(function (k) { return k.v === f.value; })[0];
        if (box) { f.checked = box.c; }
        return;
      }
      var i = seen[f.name] || 0;
      seen[f.name] = i + 1;
      var value = kept[i];
      if (!value) { return; }
      if (f.type === 'select-multiple') {
        Array.prototype.forEach.call(f.options, function (o) {
          o.selected = value.o.indexOf(o.value) >= 0;
        });
      } else {
        f.value = value.v;
      }
    });
    var notice = el('div', 'notice kept');
    notice.setAttribute('role', 'status');
    notice.appendChild(el('p', null, 'ログインの前に入力した内容を戻しました。確認してから記録してください。'));
    var discard = el('button', 'discard', '戻した内容を破棄');
    discard.type = 'button';
    discard.addEventListener('click', function () {
      sessionStorage.removeItem(key);
      form.reset();
      notice.remove();
    });
    notice.appendChild(discard);
    form.parentNode.insertBefore(notice, form);
  }

  var keys = [];
  for (var i = 0; i < sessionStorage.length; i++) {
    var key = sessionStorage.key(i);
    if (key && key.indexOf(KEPT) === 0) { keys.push(key); }
  }
  keys.forEach(function (key) {
    var copy = read(key);
    if (!copy || Date.now() - copy.at > MAX_AGE_MS) {
      sessionStorage.removeItem(key);
    } else if (onLogin) {
      if (copy.state === 'sent') { copy.state = 'kept'; write(key, copy); }
    } else if (copy.state === 'sent' || copy.user !== body.dataset.user) {
      // Taken by the server — or typed by someone else, whom this worker must not see.
      sessionStorage.removeItem(key);
    } else if (key === KEPT + location.pathname) {
      restore(key, copy);
    }
  });
  if (onLogin && keys.some(function (key) { return sessionStorage.getItem(key) !== null; })) {
    var login = document.querySelector('form.login');
    login.parentNode.insertBefore(el('p', 'notice', '送信しようとした入力内容は、この端末に一時保存しています。' +
      'ログインすると、入力していた画面に戻します。'), login);
  }
  if (!onLogin) {
    document.cookie = FORM_PAGE + '=; path=/; max-age=0; samesite=strict';
  }
}());

// The intake's single checklist: its boxes are one tab stop (arrow keys move, Space ticks)
// and its ◎ a second, which the arrow keys move among the ticked rows only (an unticked
// row's ◎ is disabled). Without the script every box is a tab stop and every ◎ enabled.
document.querySelectorAll('[data-checklist]').forEach(function (list) {
  var boxes = Array.prototype.slice.call(list.querySelectorAll('input[type=checkbox]'));
  if (boxes.length === 0) { return; }
  var moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
  function mainOf(box) { return box.closest('tr').querySelector('input[type=radio]'); }
  function sync(box) {
    var main = mainOf(box);
    main.disabled = !box.checked;
    if (!box.checked) { main.checked = false; }
  }
  function rove(to) {
    boxes.forEach(function (b) { b.tabIndex = b === to ? 0 : -1; });
  }
  boxes.forEach(sync);
  rove(boxes[0]);
  list.addEventListener('change', function (e) {
    if (boxes.indexOf(e.target) >= 0) { sync(e.target); }
  });
  list.addEventListener('focusin', function (e) {
    if (boxes.indexOf(e.target) >= 0) { rove(e.target); }
  });
  list.addEventListener('keydown', function (e) {
    var i = boxes.indexOf(e.target);
    if (i < 0) { return; }
    var to;
    if (e.key === 'Home') { to = 0; } else if (e.key === 'End') { to = boxes.length - 1; } else if (moves[e.key]) {
      to = (i + moves[e.key] + boxes.length) % boxes.length;
    } else { return; }
    e.preventDefault();
    rove(boxes[to]);
    boxes[to].focus();
  });
});

// The person picker: as the worker types a name (or フリガナ), the results are asked of
// /persons/pick — the person search, within what the worker may see and audited — and shown
// in place as radio buttons, their count said aloud. ArrowDown in the field goes to the
// first result, Enter searches at once. Without the script the 「検索」 button reloads the
// page with the search (or sends its form back, on the intake form).
document.querySelectorAll('[data-picker]').forEach(function (picker) {
  var field = picker.querySelector('input[type=search]');
  var results = picker.querySelector('.picker-results');
  if (!field || !results) { return; }
  var live = document.createElement('p');
  live.className = 'visually-hidden';
  live.setAttribute('aria-live', 'polite');
  picker.appendChild(live);
  var timer = null;
  var asked = field.value.trim();
  var latest = 0;
  function show(html) {
    results.innerHTML = html;
    var count = results.querySelector('.picker-count');
    live.textContent = count ? count.textContent : '';
  }
  function ask() {
    clearTimeout(timer);
    var q = field.value.trim();
    if (q === asked) { return; }
    asked = q;
    var mine = ++latest;
    var query = new URLSearchParams({
      pick_q: q,
      field: picker.dataset.picker,
      exclude: picker.dataset.pickerExclude || ''
    });
    fetch('/persons/pick?' + query, { credentials: 'same-origin', redirect: 'manual' })
      .then(function (res) {
        if (!res.ok) { throw new Error('not searched'); }
        return res.text();
      }).then(function (html) {
        if (mine === latest) { show(html); }
      }).catch(function () {
        if (mine !== latest) { return; }
        asked = null;
        var failed = document.createElement('p');
        failed.className = 'picker-count';
        failed.textContent = '検索できませんでした。「検索」ボタンを押してください。';
        results.replaceChildren(failed);
        live.textContent = failed.textContent;
      });
  }
  field.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  // A 「検索」 that sends its (long) form back is for a browser without the script; here it
  // searches in place, and Enter in the form's other fields keeps saving it.
  var search = picker.querySelector('button[name=pick_search]');
  if (search) {
    search.type = 'button';
    search.addEventListener('click', function () { asked = null; ask(); });
  }
  field.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') {
      e.preventDefault();
      ask();
    } else if (e.key === 'ArrowDown') {
      var first = results.querySelector('input[type=radio]');
      if (first) { e.preventDefault(); first.focus(); }
    }
  });
});
