// nerel demo page: calls POST /annotate and renders the answer in place.
// The markup mirrors server/templates/demo.html (the no-JavaScript rendering).
// Offsets in the API are Unicode code points; JavaScript strings index UTF-16 units, so
// every slice of the text goes through Array.from (one element per code point).
// Text is only ever inserted with textContent / createTextNode, never as HTML.
(() => {
  'use strict';
  document.documentElement.classList.add('js');

  const form = document.getElementById('demo-form');
  const textBox = document.getElementById('text');
  const spansInput = document.getElementById('spans');
  const marked = document.getElementById('marked');
  const result = document.getElementById('result');
  const annotateUrl = form.dataset.annotateUrl;
  // Defined once on the server (nif/vocab.py, model/annotation.py), handed over by the page.
  const WIKIPEDIA = form.dataset.wikipediaPrefix;
  const NER_TYPES = form.dataset.nerTypes.split(' ');

  // ---- small DOM helper --------------------------------------------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  const score = (value) => (value === null || value === undefined ? '–' : value.toFixed(2));
  const title = (entity) => entity.replace(/_/g, ' ');
  // Candidate links encoded as nif.uris.encode_title does (Python's quote with the same safe
  // characters): encodeURIComponent, then the sub-delimiters Wikipedia leaves readable.
  const candidateUri = (entity) => WIKIPEDIA + encodeURIComponent(entity.replace(/ /g, '_'))
    .replace(/%(24|26|2B|2C|2F|3A|3B|3D|40)/g, (escape) => decodeURIComponent(escape));
  const external = (href, text) => el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text);

  // ---- code points <-> UTF-16 --------------------------------------------------------
  /** Code-point index of a UTF-16 index of `text` (inside a surrogate pair: after it). */
  function codePointIndex(text, utf16) {
    let points = 0;
    for (let i = 0; i < utf16; i += text.codePointAt(i) > 0xffff ? 2 : 1) points += 1;
    return points;
  }

  // ---- D2KB: spans marked by selecting text ------------------------------------------
  let marks = []; // [{start, end, surface}] in code points, sorted, non-overlapping

  /** "31-36, 0-5" -> spans; items that are not start-end pairs are reported, not kept. */
  function parseSpans(raw) {
    const spans = [];
    const refused = [];
    for (const item of raw.split(/[\s,]+/).filter(Boolean)) {
      const match = /^(\d+)-(\d+)$/.exec(item);
      if (match) spans.push({ start: Number(match[1]), end: Number(match[2]) });
      else refused.push(item);
    }
    if (refused.length) showError(`Spans must be code-point pairs start-end such as 31-36; not kept: ${refused.join(', ')}`);
    return spans;
  }

  /** Marks the spans of the current text (remembering their surface), sorted. */
  function setMarks(spans) {
    const points = Array.from(textBox.value);
    marks = spans.map(({ start, end }) => ({ start, end, surface: points.slice(start, end).join('') }))
      .sort((a, b) => a.start - b.start);
    spansInput.value = marks.map((m) => `${m.start}-${m.end}`).join(', ');
    renderMarked();
  }

  function renderMarked() {
    const points = Array.from(textBox.value);
    const children = [];
    let cursor = 0;
    for (const mark of marks) {
      if (mark.start < cursor || mark.end > points.length) continue;
      children.push(points.slice(cursor, mark.start).join(''));
      const node = el('span', { class: 'pending', title: `${mark.start}-${mark.end}: click to unmark` },
        points.slice(mark.start, mark.end).join(''));
      node.addEventListener('click', () => setMarks(marks.filter((m) => m !== mark)));
      children.push(node);
      cursor = mark.end;
    }
    children.push(points.slice(cursor).join(''));
    marked.replaceChildren(...(marks.length ? children : [el('span', { class: 'hint' }, 'No span marked yet.')]));
  }

  function markSelection() {
    if (form.elements.task.value !== 'd2kb') return;
    const text = textBox.value;
    let from = textBox.selectionStart;
    let to = textBox.selectionEnd;
    while (from < to && /\s/.test(text[from])) from += 1;
    while (to > from && /\s/.test(text[to - 1])) to -= 1;
    if (from >= to) return;
    const span = { start: codePointIndex(text, from), end: codePointIndex(text, to) };
    if (marks.some((m) => m.start < span.end && span.start < m.end)) {
      showError('That selection overlaps a marked span; click the marked span to unmark it first.');
      return;
    }
    setMarks([...marks, span]);
  }

  textBox.addEventListener('mouseup', markSelection);
  textBox.addEventListener('keyup', (event) => { if (event.shiftKey) markSelection(); });
  // Editing the text moves offsets: keep only the spans whose text is unchanged, and say so.
  textBox.addEventListener('input', () => {
    const points = Array.from(textBox.value);
    const kept = marks.filter((m) => points.slice(m.start, m.end).join('') === m.surface);
    if (kept.length !== marks.length) {
      showError(`${marks.length - kept.length} marked span(s) no longer matched the edited text and were unmarked.`);
    }
    setMarks(kept);
  });
  spansInput.addEventListener('change', () => setMarks(parseSpans(spansInput.value)));

  // ---- rendering the answer ----------------------------------------------------------
  /** A NIL mention's decision: its NIL score, or that it had no candidate (demo.html: nil_decision). */
  const nilDecision = (m) => (m.nil_score === null || m.nil_score === undefined
    ? 'NIL: no candidate' : `NIL ${score(m.nil_score)}: not linked`);

  /** A highlighted mention; `shown` is its code-point slice of the page's text. */
  function mentionMark(m, shown) {
    const type = m.type || 'NONE';
    const surface = m.uri
      ? el('a', { class: 'surface', href: m.uri, target: '_blank', rel: 'noopener noreferrer' }, shown)
      : el('span', { class: 'surface' }, shown);
    const candidates = m.candidates.length
      ? m.candidates.map(([entity, p]) => el('span', { class: entity === m.entity ? 'cand chosen' : 'cand' },
        el('a', { href: candidateUri(entity), title: title(entity), target: '_blank', rel: 'noopener noreferrer' }, title(entity)),
        el('span', { class: 'bar', style: `width: ${(p * 100).toFixed(1)}%` }),
        el('span', { class: 'p' }, score(p))))
      : [el('span', { class: 'cand none' }, 'no candidates')];
    const card = el('span', { class: 'card', role: 'tooltip' },
      el('span', { class: 'card-title' }, m.entity ? title(m.entity) : nilDecision(m)),
      el('span', { class: 'card-scores' }, `NER ${score(m.ner_score)} · EL ${score(m.el_score)} · NIL ${score(m.nil_score)}`),
      ...candidates);
    const node = el('mark', {
      class: `mention t-${type}${m.uri ? '' : ' nil'}`, tabindex: '0', 'data-start': m.start, 'data-end': m.end,
    }, surface, el('span', { class: 'tag' }, `${m.type || '?'}${m.uri ? '' : ' · NIL'}`), card);
    // A tap or click on the box (not the link) pins the card open: touch screens have no hover.
    node.addEventListener('click', (event) => {
      if (event.target.closest('a')) return;
      node.classList.toggle('open');
    });
    // Near the right edge the card opens leftwards instead of off-screen.
    const place = () => {
      card.classList.remove('flip');
      if (card.getBoundingClientRect().right > document.documentElement.clientWidth - 8) card.classList.add('flip');
    };
    node.addEventListener('mouseenter', place);
    node.addEventListener('focusin', place);
    return node;
  }

  function renderDocument(text, mentions) {
    const points = Array.from(text);
    const doc = el('div', { class: 'doc', id: 'doc' });
    let cursor = 0;
    for (const m of [...mentions].sort((a, b) => a.start - b.start || a.end - b.end)) {
      if (m.start < cursor) continue; // overlapping D2KB spans: listed in the table only
      doc.append(points.slice(cursor, m.start).join(''), mentionMark(m, points.slice(m.start, m.end).join('')));
      cursor = m.end;
    }
    doc.append(points.slice(cursor).join(''));
    return doc;
  }

  function mentionRow(m) {
    const type = m.type || 'NONE';
    const cands = el('td', { class: 'cands' });
    m.candidates.forEach(([entity, p], i) => {
      const link = external(candidateUri(entity), title(entity));
      if (entity === m.entity) link.classList.add('chosen');
      cands.append(link, ` ${score(p)}${i + 1 < m.candidates.length ? ', ' : ''}`);
    });
    return el('tr', { class: m.uri ? null : 'nil' },
      el('td', { class: 'num' }, `${m.start}–${m.end}`),
      el('td', {}, m.surface),
      el('td', {}, el('span', { class: `swatch t-${type}` }, m.type || '?')),
      el('td', {}, m.uri ? external(m.uri, title(m.entity)) : el('em', {}, nilDecision(m))),
      el('td', { class: 'num' }, score(m.ner_score)),
      el('td', { class: 'num' }, score(m.el_score)),
      el('td', { class: 'num' }, score(m.nil_score)),
      cands);
  }

  function rawPanel(label, endpoint, body, open) {
    const blob = URL.createObjectURL(new Blob([body], { type: 'text/plain;charset=utf-8' }));
    return el('details', { class: 'raw', open: open ? '' : null },
      el('summary', {}, `${label} `, el('small', {}, endpoint)),
      el('a', { class: 'open-tab', href: blob, target: '_blank', rel: 'noopener' }, 'open in a new tab'),
      el('pre', {}, body));
  }

  function renderAnswer(text, answer) {
    const mentions = answer.mentions;
    const linked = mentions.filter((m) => m.uri).length;
    const legend = el('p', { class: 'legend' },
      ...NER_TYPES.map((t) => el('span', { class: `swatch t-${t}` }, t)),
      el('span', { class: 'swatch nil' }, 'NIL'),
      el('small', {}, 'hover or focus a mention for its scores and candidates; the mention links to its Wikipedia page'));
    const header = el('tr', {}, ...['span', 'mention', 'type', 'entity', 'NER', 'EL', 'NIL',
      'candidates (linking probability)'].map((h) => el('th', {}, h)));
    result.replaceChildren(
      el('p', { class: 'summary' }, el('strong', {}, String(mentions.length)), mentions.length === 1 ? ' mention · ' : ' mentions · ',
        el('strong', {}, String(linked)), ' linked · ', el('strong', {}, String(mentions.length - linked)),
        ` NIL · ${answer.task.toUpperCase()}`),
      renderDocument(text, mentions),
      legend,
      el('table', { class: 'mentions' }, el('thead', {}, header), el('tbody', {}, ...mentions.map(mentionRow))),
      rawPanel('JSON answer', 'POST /annotate', JSON.stringify(answer, null, 2), false));
  }

  function showError(message) {
    result.querySelectorAll('.error').forEach((node) => node.remove());
    result.prepend(el('p', { class: 'error', role: 'alert' }, message));
  }

  // ---- talking to the server -----------------------------------------------------------
  // API errors are JSON {"error": ...}; the page's own form route answers its input errors as a page.
  async function errorMessage(response) {
    const body = await response.text();
    const type = response.headers.get('Content-Type') || '';
    let message = null;
    if (type.includes('json')) {
      try { message = JSON.parse(body).error; } catch (error) { message = null; }
    } else if (type.includes('html')) {
      const node = new DOMParser().parseFromString(body, 'text/html').querySelector('.error');
      message = node && node.textContent;
    }
    return message || `the server answered ${response.status} ${response.statusText}`;
  }

  async function annotate(view) {
    const text = textBox.value;
    const payload = { text };
    if (form.elements.task.value === 'd2kb') payload.spans = marks.map((m) => [m.start, m.end]);
    const response = await fetch(annotateUrl, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload),
    });
    if (!response.ok) { showError(await errorMessage(response)); return; }
    renderAnswer(text, await response.json());
    if (view === 'json') result.querySelector('details.raw').open = true;
  }

  // The NIF view goes through the page's own form route (it builds the NIF request);
  // URLSearchParams keeps the text's line breaks as they are (a form post would make them CRLF).
  async function showNif() {
    const body = new URLSearchParams({
      text: textBox.value, task: form.elements.task.value, spans: spansInput.value, view: 'nif',
    });
    const response = await fetch(form.action, { method: 'POST', body });
    if (!response.ok) { showError(await errorMessage(response)); return; }
    result.querySelectorAll('details.nif').forEach((node) => node.remove());
    const panel = rawPanel('NIF answer', 'POST /gerbil (offsets in UTF-16 units, as GERBIL reads them)', await response.text(), true);
    panel.classList.add('nif');
    result.append(panel);
    panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const view = event.submitter ? event.submitter.value : 'page';
    const buttons = form.querySelectorAll('button');
    buttons.forEach((button) => { button.disabled = true; });
    result.classList.add('busy');
    try {
      if (view === 'nif') await showNif(); else await annotate(view);
    } catch (error) {
      showError(`could not reach the server: ${error.message}`);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
      result.classList.remove('busy');
      result.dataset.state = 'done'; // for scripts/ui_check.py
    }
  });

  document.getElementById('example').addEventListener('click', () => {
    textBox.value = form.dataset.example;
    setMarks([]);
    textBox.focus();
  });

  setMarks(parseSpans(spansInput.value));
})();
