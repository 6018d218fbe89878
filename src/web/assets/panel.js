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
        var percent = ENDED[state] ? 100 : total > 0 ? Math.min(99, Math.round((done / total) * 100)) : state === 'running' ? 30 : 5;
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
    var box = anchor.parentNode && anchor.nextElementSibling && anchor.nextElementSibling.hasAttribute('data-request-problem')
      ? anchor.nextElementSibling
      : null;
    if (!box) {
      box = document.createElement(anchor.tagName === 'TR' ? 'tr' : 'div');
      box.setAttribute('data-request-problem', '');
      if (anchor.tagName === 'TR') {
        var cell = document.createElement('td');
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
    showProblem(event.detail.elt, (document.body.dataset.serverFailed || 'Error ({status})').replace('{status}', status));
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
