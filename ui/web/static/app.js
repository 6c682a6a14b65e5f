// Progressive enhancement for the phone's pages; every page also works
// without scripts.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    // Selects and check boxes that change what a page shows submit their form.
    document.querySelectorAll('.autosubmit').forEach(function (el) {
      el.addEventListener('change', function () { el.form.submit(); });
    });
    document.querySelectorAll('.noscript').forEach(function (el) { el.classList.add('noscript-hidden'); });

    // Firmware upload with a progress bar.
    var fw = document.getElementById('firmware-form');
    if (fw && window.XMLHttpRequest) {
      fw.addEventListener('submit', function (ev) {
        var file = document.getElementById('firmware-file');
        if (!file.files.length) { return; }
        ev.preventDefault();
        var bar = document.getElementById('upload-progress');
        var status = document.getElementById('upload-status');
        bar.hidden = false;
        var xhr = new XMLHttpRequest();
        xhr.open('POST', fw.action);
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); status.textContent = 'Uploading ' + bar.value + '%'; }
        };
        xhr.upload.onload = function () { status.textContent = 'Verifying…'; };
        xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
        xhr.onerror = function () { status.textContent = 'Upload failed.'; };
        xhr.send(new FormData(fw));
      });
    }

    // Live faceplate: poll the screen and LEDs, send key presses.
    var face = document.getElementById('faceplate');
    if (face) {
      var screen = document.getElementById('screen');
      var leds = document.getElementById('leds');
      var csrf = face.getAttribute('data-csrf');
      screen.style.width = (screen.getAttribute('data-cols') || 40) + 'ch';
      var poll = function () {
        fetch('/faceplate/state', { credentials: 'same-origin' }).then(function (r) {
          if (!r.ok) { throw new Error(r.status); }
          return r.json();
        }).then(function (s) {
          screen.textContent = '';
          s.rows.forEach(function (row, i) {
            var line = document.createElement('span');
            line.textContent = row + '\n';
            if (i === s.highlight) { line.className = 'hl'; }
            screen.appendChild(line);
          });
          leds.textContent = '';
          (s.leds || []).forEach(function (l) {
            var span = document.createElement('span');
            var dot = document.createElement('i');
            dot.className = l.color + ' ' + l.pattern;
            span.appendChild(dot);
            span.appendChild(document.createTextNode(l.led));
            leds.appendChild(span);
          });
        }).catch(function () { screen.textContent = '(phone not reachable)'; });
      };
      poll();
      setInterval(poll, 500);
      face.querySelectorAll('.key').forEach(function (b) {
        b.addEventListener('click', function () {
          fetch('/faceplate/key', {
            method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
            body: JSON.stringify({ key: b.getAttribute('data-key'), index: parseInt(b.getAttribute('data-index'), 10) || 0 })
          }).then(poll);
        });
      });
    }
  });
})();
