// kasane — the one script, served from the binary. Pages work without it; it only adds
// conveniences that need no server round trip.
document.addEventListener('click', function (e) {
  if (e.target.closest('[data-print]')) { window.print(); }
});

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
