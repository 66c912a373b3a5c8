// yuqing web UI: the only script. No inline handlers (the CSP forbids them). Every page works
// without it; with it, reviews happen in place and the alert queue has keyboard keys.
(function () {
  'use strict';
  // "全选": toggles every checkbox named in data-select-all.
  document.querySelectorAll('input[data-select-all]').forEach(function (box) {
    box.addEventListener('change', function () {
      var name = box.getAttribute('data-select-all');
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) {
        c.checked = box.checked;
      });
    });
  });
  // Forms that ask before doing something irreversible.
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) { e.preventDefault(); }
    });
  });

  var LABELS = { 'new': '新', confirmed: '已核实', reported: '已上报', dismissed: '忽略' };
  var inline = document.getElementById('inline-notice');
  function say(text, ok) {
    var box = document.getElementById('toast');
    if (!box) {
      box = document.createElement('div');
      box.id = 'toast';
      box.setAttribute('role', 'status');
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.className = ok ? 'toast ok' : 'toast error';
    box.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { box.hidden = true; }, 4000);
  }

  // Bulk review: nothing ticked or no status chosen is said next to the form, not a 400 page.
  var bulk = document.getElementById('bulk');
  if (bulk && inline) {
    bulk.addEventListener('submit', function (e) {
      var ticked = document.querySelectorAll('input[type=checkbox][name=id][form=bulk]:checked').length;
      var status = bulk.querySelector('select[name=status]').value;
      var problem = ticked === 0 ? '请先勾选要处理的预警' : (status === '' ? '请先选择要标记的状态' : '');
      if (problem) {
        e.preventDefault();
        inline.textContent = problem;
        inline.hidden = false;
        inline.scrollIntoView({ block: 'nearest' });
      }
    });
  }

  // One alert's review buttons: sent through the API, the card updated where it is.
  function review(form, status) {
    var id = form.getAttribute('data-alert');
    var csrf = form.querySelector('input[name=csrf]').value;
    var note = form.querySelector('input[name=note]');
    var body = { status: status };
    if (note && note.value.trim() !== '') { body.note = note.value.trim(); }
    return fetch('/api/alerts/' + id + '/review', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.error || ('HTTP ' + r.status)); }
        var card = document.getElementById('alert-' + id);
        var badge = card && card.querySelector('[data-status]');
        if (badge) {
          badge.setAttribute('data-status', status);
          badge.className = 'badge st-' + status;
          badge.textContent = LABELS[status] || status;
        }
        if (note) { note.value = ''; }
        if (card) { card.classList.add('reviewed'); }
        say('已将预警 #' + id + ' 标记为「' + (LABELS[status] || status) + '」', true);
      });
    }).catch(function (err) {
      say('处理失败：' + err.message, false);
    });
  }
  document.querySelectorAll('form.review[data-alert]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      var button = e.submitter;
      if (!button || !button.value || !window.fetch) { return; }
      e.preventDefault();
      review(form, button.value);
    });
  });

  // Keys on the alert queue: j/k move, 1/2/3 review, / search, ? help.
  var cards = Array.prototype.slice.call(document.querySelectorAll('.card.alert'));
  var current = -1;
  function focusCard(i) {
    if (cards.length === 0) { return; }
    i = Math.max(0, Math.min(cards.length - 1, i));
    if (current >= 0 && cards[current]) { cards[current].classList.remove('focus'); }
    current = i;
    cards[i].classList.add('focus');
    cards[i].scrollIntoView({ block: 'nearest' });
  }
  var help = document.getElementById('keys-help');
  function typing(t) {
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var k = e.key;
    if (k === '/') {
      var q = document.querySelector('input.q');
      e.preventDefault();
      if (q) { q.focus(); q.select(); } else { window.location.href = '/'; }
      return;
    }
    if (k === '?' && help) { help.hidden = !help.hidden; e.preventDefault(); return; }
    if (k === 'Escape' && help) { help.hidden = true; return; }
    if (cards.length === 0) { return; }
    if (k === 'j') { focusCard(current + 1); e.preventDefault(); }
    else if (k === 'k') { focusCard(current - 1); e.preventDefault(); }
    else if (k === '1' || k === '2' || k === '3') {
      if (current < 0) { focusCard(0); }
      var form = cards[current].querySelector('form.review[data-alert]');
      if (!form) { return; }
      e.preventDefault();
      var at = current;
      review(form, { '1': 'confirmed', '2': 'reported', '3': 'dismissed' }[k]).then(function () {
        if (current === at) { focusCard(at + 1); }
      });
    }
  });
  // After a review without JavaScript the server says so at the top; the anchor brings the
  // card back into view.
  if (location.hash && location.hash.indexOf('#alert-') === 0) {
    var el = document.getElementById(location.hash.slice(1));
    if (el) { cards.forEach(function (c, i) { if (c === el) { focusCard(i); } }); }
  }
})();
