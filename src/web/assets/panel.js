// Sklad admin panel: the little behaviour htmx does not cover. Plain script, no build step.
(function () {
  'use strict';

  // An image chosen for upload is shown before it is sent.
  function watchPreview(root) {
    within(root, 'input[type=file][data-preview]').forEach(function (input) {
      if (input.dataset.bound) return;
      input.dataset.bound = '1';
      input.addEventListener('change', function () {
        var img = document.getElementById(input.dataset.preview);
        var file = input.files && input.files[0];
        if (!img) return;
        if (!file) {
          img.hidden = true;
          return;
        }
        if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
        img.dataset.url = URL.createObjectURL(file);
        img.src = img.dataset.url;
        img.hidden = false;
      });
    });
  }

  // A form being sent cannot be sent twice; its button says so.
  function guardSubmits(root) {
    within(root, 'form[data-busy]').forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = '1';
      form.addEventListener('submit', function () {
        form.querySelectorAll('button[type=submit]').forEach(function (b) {
          b.disabled = true;
          b.setAttribute('aria-busy', 'true');
        });
      });
    });
  }

  // Live progress of a job from its server-sent events (src/engine/routes.ts): `progress` events
  // carry {done, total, message}; `status` events {status, last_error}; the stream ends after
  // succeeded, dead or cancelled ('failed' means a retry is waiting).
  var ENDED = { succeeded: true, dead: true, cancelled: true };
  function followJobs(root) {
    within(root, '[data-job-events]').forEach(function (box) {
      if (box.dataset.bound) return;
      box.dataset.bound = '1';
      var bar = box.querySelector('.progress-bar span');
      var text = box.querySelector('.progress-text');
      var source = new EventSource(box.dataset.jobEvents);
      var progress = {};
      var error = '';
      function label(state) {
        return box.dataset['label' + state.charAt(0).toUpperCase() + state.slice(1)] || state;
      }
      function draw() {
        var state = box.dataset.state;
        var done = Number(progress.done || 0);
        var total = Number(progress.total || 0);
        var percent = ENDED[state]
          ? 100
          : total > 0
            ? Math.min(99, Math.round((done / total) * 100))
            : state === 'running'
              ? 30
              : 5;
        if (bar) bar.style.width = percent + '%';
        var detail = progress.message ? ' · ' + progress.message : total > 0 ? ' · ' + done + ' / ' + total : '';
        if (text) text.textContent = label(state) + detail + (error && state !== 'succeeded' ? ' · ' + error : '');
      }
      function parse(event) {
        try {
          return JSON.parse(event.data) || {};
        } catch (e) {
          return {};
        }
      }
      source.addEventListener('progress', function (event) {
        progress = parse(event);
        draw();
      });
      source.addEventListener('status', function (event) {
        var data = parse(event);
        box.dataset.state = data.status || box.dataset.state;
        error = data.last_error || '';
        draw();
        if (ENDED[data.status]) {
          source.close();
          box.dispatchEvent(new CustomEvent('job-ended', { bubbles: true, detail: data }));
        }
      });
      // The server closes the stream after the last event; the browser would reconnect for ever.
      source.onerror = function () {
        if (ENDED[box.dataset.state]) source.close();
      };
    });
  }

  // A form with data-upload-progress="<box id>" sends its file with XMLHttpRequest, whose upload
  // events say how much of it has gone (fetch cannot): the box's bar shows it. The answer is a page:
  // a redirect elsewhere (the upload's preview) is followed; the same page again is a refusal, whose
  // message (its [data-upload-problem]) replaces this page's. Without script the form posts as any.
  function uploadWithProgress(root) {
    within(root, 'form[data-upload-progress]').forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = '1';
      form.addEventListener('submit', function (event) {
        var holder = document.getElementById(form.dataset.uploadProgress);
        var box = holder && holder.querySelector('.progress');
        if (!box || !window.FormData || !window.XMLHttpRequest) return;
        event.preventDefault();
        var bar = box.querySelector('.progress-bar span');
        var text = box.querySelector('.progress-text');
        var buttons = form.querySelectorAll('button[type=submit]');
        function busy(on) {
          buttons.forEach(function (b) {
            b.disabled = on;
            if (on) b.setAttribute('aria-busy', 'true');
            else b.removeAttribute('aria-busy');
          });
        }
        function draw(state, percent, words) {
          holder.hidden = false;
          box.dataset.state = state;
          box.dataset.percent = String(percent);
          if (bar) bar.style.width = percent + '%';
          if (text) text.textContent = words;
        }
        function failed(detail) {
          busy(false);
          draw('failed', 0, (box.dataset.labelFailed || 'Upload failed') + (detail ? ' (' + detail + ')' : ''));
        }
        var action = new URL(form.action, window.location.href);
        var xhr = new XMLHttpRequest();
        xhr.open('POST', action.href);
        xhr.upload.addEventListener('progress', function (e) {
          if (!e.lengthComputable || !e.total) return;
          var percent = Math.min(100, Math.round((e.loaded / e.total) * 100));
          draw('running', percent, (box.dataset.labelRunning || '') + ' · ' + percent + '%');
        });
        xhr.upload.addEventListener('load', function () {
          draw('running', 100, box.dataset.labelSent || '');
        });
        xhr.addEventListener('load', function () {
          var landed = xhr.responseURL ? new URL(xhr.responseURL) : action;
          if (xhr.status < 400 && landed.pathname !== action.pathname) {
            window.location.assign(landed.href);
            return;
          }
          var answer = new DOMParser().parseFromString(xhr.responseText || '', 'text/html');
          var said = answer.querySelector('[data-upload-problem]');
          var here = document.querySelector('[data-upload-problem]');
          if (said && here && said.textContent.trim()) {
            here.replaceWith(document.importNode(said, true));
            busy(false);
            holder.hidden = true;
            return;
          }
          failed(String(xhr.status));
        });
        xhr.addEventListener('error', function () {
          failed(document.body.dataset.loadFailed || '');
        });
        busy(true);
        draw('running', 0, box.dataset.labelRunning || '');
        xhr.send(new FormData(form));
      });
    });
  }

  // The elements under root, and root itself (htmx:load fires on the swapped element).
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  function init(root) {
    watchPreview(root);
    guardSubmits(root);
    followJobs(root);
    uploadWithProgress(root);
  }

  // A page the browser brings back from its history cache must not keep a button disabled.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('button[aria-busy=true]').forEach(function (b) {
      b.disabled = false;
      b.removeAttribute('aria-busy');
    });
  });

  // htmx swaps nothing when a request fails; the place that sent it says what happened instead.
  function showProblem(elt, text) {
    var anchor = (elt && elt.closest && elt.closest('form, tr')) || elt || document.body;
    var box =
      anchor.parentNode && anchor.nextElementSibling && anchor.nextElementSibling.hasAttribute('data-request-problem')
        ? anchor.nextElementSibling
        : null;
    if (!box) {
      box = document.createElement(anchor.tagName === 'TR' ? 'tr' : 'div');
      box.setAttribute('data-request-problem', '');
      if (anchor.tagName === 'TR') {
        const cell = document.createElement('td');
        cell.colSpan = anchor.children.length || 1;
        box.appendChild(cell);
      }
      anchor.insertAdjacentElement('afterend', box);
    }
    var target = box.tagName === 'TR' ? box.firstChild : box;
    target.className = 'notice notice-error';
    target.setAttribute('role', 'alert');
    target.textContent = text;
  }
  function clearProblem(elt) {
    var anchor = elt && elt.closest && elt.closest('form, tr');
    var next = anchor && anchor.nextElementSibling;
    if (next && next.hasAttribute('data-request-problem')) next.remove();
  }
  document.addEventListener('htmx:beforeRequest', function (event) {
    clearProblem(event.detail.elt);
  });
  document.addEventListener('htmx:responseError', function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : '';
    showProblem(
      event.detail.elt,
      (document.body.dataset.serverFailed || 'Error ({status})').replace('{status}', status),
    );
  });
  document.addEventListener('htmx:sendError', function (event) {
    showProblem(event.detail.elt, document.body.dataset.loadFailed || 'No answer');
  });

  document.addEventListener('DOMContentLoaded', function () {
    init(document);
  });
  document.addEventListener('htmx:load', function (event) {
    init(event.target);
  });
})();
