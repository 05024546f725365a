// Issue 17: keep a rule's question list to earlier pages and its options to the chosen
// question, while editing. The lists come from the server (surveys.editor), each option
// tagged with its page (data-page) or question (data-question); without this script they
// offer the whole survey and saving checks the rest.
(function () {
  'use strict';
  var STEP = /^body-(\d+)-value-/;

  function stepPosition(name) {
    // The step's position among the body's (not deleted) steps, from Wagtail's order inputs.
    var match = STEP.exec(name || '');
    if (!match) return null;
    var own = document.querySelector('input[name="body-' + match[1] + '-order"]');
    if (!own) return null;
    var position = 0;
    document.querySelectorAll('input[name$="-order"]').forEach(function (input) {
      var m = /^body-(\d+)-order$/.exec(input.name);
      if (!m) return;
      var deleted = document.querySelector('input[name="body-' + m[1] + '-deleted"]');
      if (deleted && deleted.value) return;
      if (Number(input.value) < Number(own.value)) position += 1;
    });
    return position;
  }

  function limitQuestions(select) {
    var position = stepPosition(select.name);
    if (position === null) return;
    var skip = select.name.indexOf('-skip_rules-') !== -1;
    select.querySelectorAll('option[data-page]').forEach(function (option) {
      var page = Number(option.dataset.page);
      var allowed = skip ? page <= position : page < position;
      option.hidden = !allowed && !option.selected;
      option.disabled = !allowed && !option.selected;
    });
    select.querySelectorAll('optgroup').forEach(function (group) {
      group.hidden = !group.querySelector('option:not([hidden])');
    });
  }

  function limitPages(select) {
    var position = stepPosition(select.name);
    if (position === null) return;
    select.querySelectorAll('option[data-page]').forEach(function (option) {
      var later = Number(option.dataset.page) > position;
      option.hidden = !later && !option.selected;
      option.disabled = !later && !option.selected;
    });
  }

  function limitOptions(name) {
    // The option checkboxes of one rule: only the chosen question's stay shown.
    var question = document.querySelector(
      'select[name="' + name.replace(/-options$/, '-question') + '"]'
    );
    var chosen = question ? question.value : '';
    var groups = new Set();
    document.querySelectorAll('input[name="' + name + '"][data-question]').forEach(function (input) {
      var item = input.closest('div') || input.parentElement;
      var mine = input.dataset.question === chosen;
      if (!mine) input.checked = false;
      item.hidden = !mine;
      if (item.parentElement) groups.add(item.parentElement);
    });
    groups.forEach(function (group) {
      if (group.querySelector(':scope > label')) {
        group.hidden = !Array.prototype.some.call(
          group.querySelectorAll(':scope > div'), function (item) { return !item.hidden; }
        );
      }
    });
  }

  function limitReportQuestions(select) {
    // A report block's question list: only the chosen survey's questions.
    var survey = document.querySelector(
      'input[name="' + select.name.replace(/-(question|rows|columns)$/, '-survey') + '"]'
    );
    var chosen = survey ? survey.value : '';
    select.querySelectorAll('option[data-survey]').forEach(function (option) {
      var mine = !chosen || option.dataset.survey.split(' ').indexOf(chosen) !== -1;
      option.hidden = !mine && !option.selected;
      option.disabled = !mine && !option.selected;
    });
    select.querySelectorAll('optgroup').forEach(function (group) {
      group.hidden = !group.querySelector('option:not([hidden])');
    });
  }

  var LABEL = /^body-(\d+)-value-questions-\d+-value-label$/;
  var pipes = null;

  function pipeChoices() {
    if (pipes === null) {
      var data = document.getElementById('innsikt-pipe-choices');
      pipes = data ? JSON.parse(data.textContent) : false;
    }
    return pipes;
  }

  function addPipePicker(input) {
    // Piping without typing: a list beside a question's text inserts {key} of an answer
    // from an earlier page at the cursor.
    var data = pipeChoices();
    if (!data || input.dataset.innsiktPipes) return;
    var position = stepPosition(input.name);
    if (position === null) return;
    var earlier = data.choices.filter(function (c) { return c.page < position; });
    input.dataset.innsiktPipes = 'yes';
    if (!earlier.length) return;
    var select = document.createElement('select');
    select.id = input.id + '-pipe';
    select.setAttribute('aria-label', data.label);
    select.className = 'innsikt-pipe-picker';
    var prompt = document.createElement('option');
    prompt.value = '';
    prompt.textContent = data.prompt;
    select.appendChild(prompt);
    earlier.forEach(function (c) {
      var option = document.createElement('option');
      option.value = c.token;
      option.textContent = data.page.replace('%(n)d', c.page + 1) + ': ' + c.label;
      select.appendChild(option);
    });
    // A button inserts (arrow keys in a closed list change its value on every press, so a
    // change of the list alone must not edit the text).
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button button-small button-secondary';
    button.textContent = data.insert;
    button.addEventListener('click', function () {
      if (!select.value) return;
      var at = input.selectionStart === null ? input.value.length : input.selectionStart;
      input.value = input.value.slice(0, at) + select.value + input.value.slice(at);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
      select.value = '';
    });
    var wrapper = document.createElement('span');
    wrapper.className = 'innsikt-pipe';
    wrapper.appendChild(select);
    wrapper.appendChild(document.createTextNode(' '));
    wrapper.appendChild(button);
    input.insertAdjacentElement('afterend', wrapper);
  }

  function refresh(root) {
    (root || document).querySelectorAll('input[name$="-value-label"]').forEach(function (input) {
      if (LABEL.test(input.name)) addPipePicker(input);
    });
    (root || document).querySelectorAll('select[data-innsikt-report-question]').forEach(limitReportQuestions);
    (root || document).querySelectorAll('select[data-innsikt-question-picker]').forEach(limitQuestions);
    (root || document).querySelectorAll('select[data-innsikt-page-picker]').forEach(limitPages);
    var names = new Set();
    (root || document).querySelectorAll('input[data-innsikt-option-picker]').forEach(function (input) {
      names.add(input.name);
    });
    names.forEach(limitOptions);
  }

  document.addEventListener('focusin', function (event) {
    var target = event.target;
    if (target.matches && target.matches('select[data-innsikt-question-picker]')) limitQuestions(target);
    if (target.matches && target.matches('select[data-innsikt-page-picker]')) limitPages(target);
    if (target.matches && target.matches('select[data-innsikt-report-question]')) limitReportQuestions(target);
  });
  document.addEventListener('change', function (event) {
    if (event.target.matches && event.target.matches('select[data-innsikt-question-picker]')) {
      refresh();
    }
  });
  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; refresh(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', function () { refresh(); });
})();
