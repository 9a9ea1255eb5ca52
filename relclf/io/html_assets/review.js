/* relclf review page: renders the documents embedded as JSON, lazily, and keeps the curator's decisions.
   All input text is inserted as text nodes (textContent, never innerHTML); offsets were resolved by relclf,
   which cut each text into segments, so this script never computes a character offset. */
(function () {
  'use strict';

  const byId = (id) => document.getElementById(id);
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  const plural = (n, word) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
  const STORAGE_PREFIX = 'relclf-review:';
  // known types keep their colour whatever the page holds; others get the remaining styles in order of appearance
  const FIXED_STYLES = { Gene: 0, Chemical: 1, Disease: 2, Variant: 3, Species: 4, CellLine: 5 };
  const SHORT = { Gene: 'GENE', Chemical: 'CHEM', Disease: 'DIS', Variant: 'VAR', Species: 'SPEC', CellLine: 'CELL' };
  const N_STYLES = 8;
  const NO_NOVELTY = '';

  // ---------------------------------------------------------------------------------------------
  // Data: one object per document, one per relation (in input order)

  const summary = JSON.parse(byId('relclf-summary').textContent);
  const docs = [];
  const relations = [];
  const typeStyle = new Map();
  const typeCounts = new Map();

  function styleOf(type) {
    if (!typeStyle.has(type)) {
      const used = new Set(typeStyle.values());
      let style = FIXED_STYLES[type];
      if (style === undefined) {
        style = 6;
        while (used.has(style) && style < N_STYLES - 1) style += 1;
        if (used.has(style)) style = typeStyle.size % N_STYLES;
      }
      typeStyle.set(type, style);
    }
    return typeStyle.get(type);
  }
  const shortName = (type) => SHORT[type] || String(type).slice(0, 4).toUpperCase();
  const typePair = (a, b) => [a || '?', b || '?'].sort().join('|');
  const segmentsText = (segments) => segments.map((s) => s[0]).join('');

  function makeDoc(data, position) {
    const doc = { data, position, pmid: data.pmid, rels: [], shown: [], el: null, rendered: false, hidden: false, measured: null };
    doc.titleText = segmentsText(data.title);
    doc.abstractText = segmentsText(data.abstract);
    doc.haystack = `${doc.titleText}\n${doc.abstractText}`.toLowerCase();
    const mentionText = data.mentions.map(() => '');
    for (const segments of [data.title, data.abstract]) {
      for (const segment of segments) for (const m of segment[2] || []) mentionText[m] += segment[0];
    }
    doc.mentionText = mentionText;
    for (const mention of data.mentions) {
      typeCounts.set(mention[0], (typeCounts.get(mention[0]) || 0) + 1);
      styleOf(mention[0]);
    }
    data.relations.forEach((r, i) => {
      const rel = Object.assign({}, r, { doc, i, key: `${data.index}:${i}`, pair: typePair(r.type1, r.type2), noveltyKey: r.novelty || NO_NOVELTY });
      const texts = [r.text1, r.id1, r.text2, r.id2, r.label, data.pmid, outcomeText(r)];
      if (r.e) for (const e of r.e) for (const m of data.entities[e][2]) texts.push(mentionText[m]);
      rel.haystack = texts.join('\n').toLowerCase();
      doc.rels.push(rel);
      relations.push(rel);
    });
    return doc;
  }

  const dataNodes = document.querySelectorAll('script.relclf-doc');
  dataNodes.forEach((node, position) => docs.push(makeDoc(JSON.parse(node.textContent), position)));
  byId('relclf-data').remove();
  const relationByKey = new Map(relations.map((r) => [r.key, r]));
  const hasScores = relations.some((r) => r.score !== null && r.score !== undefined);

  // ---------------------------------------------------------------------------------------------
  // Decisions: {relation key: 'a' | 'r'} in local storage, under the page's digest

  const storageKey = STORAGE_PREFIX + summary.digest;
  let storageProblem = null;
  let decisions = loadDecisions();

  function loadDecisions() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storageKey) || 'null');
      const kept = {};
      if (saved && saved.decisions) {
        for (const [key, value] of Object.entries(saved.decisions)) if (relationByKey.has(key) && (value === 'a' || value === 'r')) kept[key] = value;
      }
      return kept;
    } catch (error) {
      storageProblem = error;
      return {};
    }
  }

  function saveDecisions() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({ format: 1, documents: summary.documents, saved: new Date().toISOString(), decisions }));
      storageProblem = null;
    } catch (error) {
      storageProblem = error;
    }
    showStorage();
  }

  function showStorage() {
    const note = byId('storage-note');
    note.replaceChildren();
    if (storageProblem) {
      note.append(el('span', 'warning', `Decisions cannot be saved in this browser (${storageProblem.name || storageProblem}): export them before closing the page.`));
    } else {
      note.textContent = `Decisions are saved in this browser's local storage under ${storageKey.slice(0, STORAGE_PREFIX.length + 12)}\u2026 and survive a reload.`;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Filters and sort

  const state = { query: '', inText: false, status: 'all', min: 0, max: 1, labels: null, pairs: null, novelty: null, sort: 'input', badges: true };
  const groups = {
    labels: { box: byId('label-filter'), key: (r) => r.label, name: (v) => v },
    pairs: { box: byId('pair-filter'), key: (r) => r.pair, name: (v) => v.replace('|', ' \u2013 ') },
    novelty: { box: byId('novelty-filter'), key: (r) => r.noveltyKey, name: (v) => v || '(none)' },
  };
  let queryPattern = null;
  let order = [];
  let sequence = [];
  let selected = null;

  function buildChoices() {
    for (const [name, group] of Object.entries(groups)) {
      const counts = new Map();
      for (const r of relations) counts.set(group.key(r), (counts.get(group.key(r)) || 0) + 1);
      const values = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || String(a).localeCompare(String(b)));
      state[name] = new Set(values);
      group.values = values;
      if (!values.length) {
        group.box.hidden = true;
        continue;
      }
      const buttons = el('div', 'group-buttons');
      buttons.hidden = values.length < 2;
      const all = el('button', null, 'all');
      const none = el('button', null, 'none');
      all.type = none.type = 'button';
      all.addEventListener('click', () => setGroup(name, values));
      none.addEventListener('click', () => setGroup(name, []));
      buttons.append(all, none);
      group.box.append(buttons);
      for (const value of values) {
        const label = el('label');
        const box = el('input');
        box.type = 'checkbox';
        box.checked = true;
        box.value = value;
        box.dataset.group = name;
        box.addEventListener('change', () => {
          if (box.checked) state[name].add(value);
          else state[name].delete(value);
          refresh();
        });
        label.append(box, el('span', 'choice', group.name(value)), el('span', 'count', counts.get(value).toLocaleString('en')));
        group.box.append(label);
      }
    }
    if (!hasScores) {
      // gold relations have no score: nothing to filter or sort by
      byId('score-filter').hidden = true;
      for (const option of byId('sort').options) option.disabled = option.value !== 'input';
    }
  }

  function setGroup(name, values) {
    state[name] = new Set(values);
    for (const box of groups[name].box.querySelectorAll('input')) box.checked = state[name].has(box.value);
    refresh();
  }

  function isDefault() {
    return !state.query && state.status === 'all' && state.min <= 0 && state.max >= 1 && Object.entries(groups).every(([name, g]) => state[name].size === g.values.length);
  }

  function passes(r) {
    if (!state.labels.has(r.label) || !state.pairs.has(r.pair) || !state.novelty.has(r.noveltyKey)) return false;
    if (r.score !== null && r.score !== undefined && (r.score < state.min || r.score > state.max)) return false;
    const decision = decisions[r.key];
    if (state.status === 'undecided' && decision) return false;
    if (state.status === 'accepted' && decision !== 'a') return false;
    if (state.status === 'rejected' && decision !== 'r') return false;
    if (state.query && !r.haystack.includes(state.query) && !(state.inText && r.doc.haystack.includes(state.query))) return false;
    return true;
  }

  const scoreOr = (r, missing) => (r.score === null || r.score === undefined ? missing : r.score);
  function compareRelations(a, b) {
    if (state.sort === 'desc') return scoreOr(b, -Infinity) - scoreOr(a, -Infinity) || a.i - b.i;
    if (state.sort === 'asc') return scoreOr(a, Infinity) - scoreOr(b, Infinity) || a.i - b.i;
    return a.i - b.i;
  }
  // documents sort by their first shown relation, so that j/k walks all relations in score order within each document
  function docScore(doc) {
    if (!doc.shown.length) return state.sort === 'desc' ? -Infinity : Infinity;
    return scoreOr(doc.shown[0], state.sort === 'desc' ? -Infinity : Infinity);
  }

  function refresh() {
    const active = !isDefault();
    for (const doc of docs) {
      doc.shown = doc.rels.filter(passes).sort(compareRelations);
      doc.hidden = active && doc.shown.length === 0;
    }
    const visible = docs.filter((d) => !d.hidden);
    if (state.sort === 'desc') visible.sort((a, b) => docScore(b) - docScore(a) || a.position - b.position);
    if (state.sort === 'asc') visible.sort((a, b) => docScore(a) - docScore(b) || a.position - b.position);
    placeDocuments(visible);
    sequence = visible.flatMap((d) => d.shown);
    layoutWidth = null;
    for (const doc of docs) {
      if (doc.hidden !== doc.el.hidden) doc.el.hidden = doc.hidden;
      if (doc.rendered) render(doc);
      else placeholder(doc);
    }
    renderNearView();
    showMatches(visible);
    showSelection();
  }

  function placeDocuments(visible) {
    const next = visible.concat(docs.filter((d) => d.hidden));
    if (next.length === order.length && next.every((d, i) => d === order[i])) return;
    const fragment = document.createDocumentFragment();
    for (const doc of next) fragment.append(doc.el);
    byId('docs').append(fragment);
    order = next;
  }

  function showMatches(visible) {
    const shown = sequence.length;
    const text = isDefault()
      ? `${plural(summary.documents, 'document')}, ${plural(relations.length, 'relation')}`
      : `${shown.toLocaleString('en')} of ${plural(relations.length, 'relation')} match, in ${visible.length.toLocaleString('en')} of ${plural(docs.length, 'document')}`;
    byId('matches').textContent = text;
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering: documents are placeholders of their estimated height until they come near the viewport

  const docsBox = byId('docs');
  const observer = new IntersectionObserver(onIntersect, { rootMargin: '1500px 0px' });

  function createDocumentElements() {
    const fragment = document.createDocumentFragment();
    for (const doc of docs) {
      doc.el = el('article', 'doc placeholder');
      doc.el.id = `doc-${doc.position + 1}`;
      doc.el.dataset.position = String(doc.position);
      doc.el.setAttribute('aria-label', `document ${doc.pmid}`);
      fragment.append(doc.el);
      order.push(doc);
    }
    docsBox.append(fragment);
  }

  // what the observer would render on its next callback, rendered now, so that the view never shows an empty frame
  function renderNearView() {
    const margin = 1500;
    for (const doc of order) {
      if (doc.hidden) break; // hidden documents come last
      const box = doc.el.getBoundingClientRect();
      if (box.bottom < -margin) continue;
      if (box.top > window.innerHeight + margin) break;
      if (!doc.rendered) render(doc);
    }
  }

  function onIntersect(entries) {
    for (const entry of entries) {
      const doc = docs[Number(entry.target.dataset.position)];
      if (entry.isIntersecting) {
        if (!doc.rendered) render(doc);
      } else if (doc.rendered && !(selected && selected.doc === doc)) {
        unrender(doc);
      }
    }
  }

  // read once per refresh: reading a layout value after each placeholder's height was set would lay the page out again each time
  let layoutWidth = null;
  function estimateHeight(doc) {
    if (layoutWidth === null) layoutWidth = docsBox.clientWidth;
    const width = Math.max(300, layoutWidth - 40);
    const wide = window.innerWidth > 1250;
    const textWidth = wide ? width * 0.6 : width;
    const perLine = Math.max(20, textWidth / 7.6);
    const lines = Math.ceil(doc.titleText.length / (perLine * 0.85)) + Math.ceil(doc.abstractText.length / perLine);
    const text = 16 + lines * 24;
    const table = doc.rels.length ? 34 + doc.shown.length * 46 : 24;
    return Math.round(44 + (wide ? Math.max(text, table) : text + table));
  }

  function placeholder(doc) {
    const key = `${doc.shown.length}:${window.innerWidth}`;
    const height = doc.measured && doc.measured.key === key ? doc.measured.height : estimateHeight(doc);
    doc.el.style.height = `${height}px`;
  }

  function unrender(doc) {
    const height = doc.el.offsetHeight;
    doc.measured = { key: `${doc.shown.length}:${window.innerWidth}`, height };
    doc.el.replaceChildren();
    doc.el.classList.add('placeholder');
    doc.el.style.height = `${height}px`;
    doc.rendered = false;
    doc.mentionEls = doc.sentenceEls = null;
    for (const r of doc.rels) r.row = null;
  }

  function render(doc) {
    doc.mentionEls = doc.data.mentions.map(() => []);
    doc.sentenceEls = new Map();
    for (const r of doc.rels) r.row = null;
    const head = el('header', 'doc-head');
    renderHead(doc, head);
    const text = el('div', 'doc-text');
    const layout = mentionLayout(doc);
    const title = el('h2', 'doc-title');
    const abstract = el('p', 'doc-abstract');
    fillText(doc, title, doc.data.title, layout, 0);
    fillText(doc, abstract, doc.data.abstract, layout, doc.data.title.length);
    text.append(title, abstract);
    const body = el('div', 'doc-body');
    body.append(text, relationTable(doc));
    doc.head = head;
    doc.el.replaceChildren(head, body);
    doc.el.classList.remove('placeholder');
    doc.el.style.height = '';
    doc.rendered = true;
    if (selected && selected.doc === doc) mark(selected);
  }

  function renderHead(doc, head) {
    head.replaceChildren();
    const id = el('span', 'pmid', `PMID ${doc.pmid}`);
    if (/^\d{1,9}$/.test(doc.pmid)) {
      const link = el('a', 'pmid', `PMID ${doc.pmid}`);
      link.href = `https://pubmed.ncbi.nlm.nih.gov/${doc.pmid}/`;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.title = 'open in PubMed (needs the network)';
      head.append(link);
    } else {
      head.append(id);
    }
    head.append(el('span', null, `document ${(doc.position + 1).toLocaleString('en')} of ${docs.length.toLocaleString('en')}`));
    const n = doc.rels.length;
    const accepted = doc.rels.filter((r) => decisions[r.key] === 'a').length;
    const rejected = doc.rels.filter((r) => decisions[r.key] === 'r').length;
    head.append(el('span', null, plural(n, 'relation')));
    if (n) {
      const todo = n - accepted - rejected;
      head.append(el('span', 'tally', `\u2713 ${accepted} accepted \u00b7 \u2717 ${rejected} rejected \u00b7 ${todo} to do`));
      if (!todo) head.append(el('span', 'done', 'all decided'));
    }
  }

  // per mention: its type's style, the first and last segment it covers (to place the 1/2 marks and the type label)
  function mentionLayout(doc) {
    const first = new Map();
    const last = new Map();
    const length = doc.mentionText.map((t) => t.length);
    [...doc.data.title, ...doc.data.abstract].forEach((segment, index) => {
      for (const m of segment[2] || []) {
        if (!first.has(m)) first.set(m, index);
        last.set(m, index);
      }
    });
    return { first, last, length };
  }

  function fillText(doc, container, segments, layout, offset) {
    let sentence = null;
    let sentenceNumber = null;
    segments.forEach((segment, k) => {
      const [text, number, covering] = segment;
      const index = offset + k;
      let parent = container;
      if (number >= 0) {
        if (number !== sentenceNumber || !sentence) {
          sentence = el('span', 'sent');
          sentence.dataset.s = String(number);
          container.append(sentence);
          doc.sentenceEls.set(number, sentence);
          sentenceNumber = number;
        }
        parent = sentence;
      } else {
        sentence = sentenceNumber = null;
      }
      if (!covering || !covering.length) {
        appendText(parent, text);
        return;
      }
      // the innermost mention gives the colour; the tooltip names them all
      const inner = covering.reduce((a, b) => (layout.length[b] < layout.length[a] ? b : a));
      const type = doc.data.mentions[inner][0];
      const span = el('span', `m ty-${styleOf(type)}`);
      span.dataset.m = covering.join(' ');
      span.dataset.type = type;
      span.title = covering.map((m) => `${doc.data.mentions[m][0]} \u00b7 ${doc.data.mentions[m][1] || 'no ID'} \u00b7 \u201c${doc.mentionText[m]}\u201d`).join('\n');
      const ending = covering.filter((m) => layout.last.get(m) === index);
      if (covering.some((m) => layout.first.get(m) === index)) span.classList.add('mstart');
      if (ending.length) {
        span.classList.add('mend');
        span.dataset.badge = [...new Set(ending.map((m) => shortName(doc.data.mentions[m][0])))].join(' ');
      }
      appendText(span, text);
      for (const m of covering) doc.mentionEls[m].push(span);
      parent.append(span);
    });
  }

  function appendText(parent, text) {
    if (!queryPattern) {
      parent.append(text);
      return;
    }
    // split keeps the matches (the pattern has one group): odd pieces are matches
    text.split(queryPattern).forEach((piece, i) => {
      if (!piece) return;
      parent.append(i % 2 ? el('mark', null, piece) : document.createTextNode(piece));
    });
  }

  function relationTable(doc) {
    const box = el('div', 'relations');
    if (!doc.rels.length) {
      box.append(el('p', 'no-relations', 'No relations.'));
      return box;
    }
    const table = el('table', 'rels');
    if (doc.shown.length < doc.rels.length) table.append(el('caption', null, `${doc.shown.length} of ${plural(doc.rels.length, 'relation')} shown (filters)`));
    const head = el('thead');
    const headRow = el('tr');
    const columns = el('colgroup');
    for (const name of ['c-ent', 'c-ent', 'c-label', 'c-score', 'c-decide']) columns.append(el('col', name));
    table.append(columns);
    for (const name of ['Entity 1', 'Entity 2', 'Relation', 'Score', 'Decision']) headRow.append(el('th', null, name));
    head.append(headRow);
    const body = el('tbody');
    for (const r of doc.shown) body.append(relationRow(r));
    table.append(head, body);
    box.append(table);
    return box;
  }

  // long labels and IDs may wrap after an underscore, a colon or a bar
  function breakable(node, text) {
    String(text).split(/(?<=[_:|])/).forEach((piece, i) => {
      if (i) node.append(el('wbr'));
      node.append(piece);
    });
    return node;
  }

  function entityCell(text, type, id) {
    const cell = el('td', 'ent');
    cell.append(el('span', 'ename', text || id), ' ');
    if (type) {
      const badge = el('span', `badge ty-${styleOf(type)}`, shortName(type));
      badge.title = type;
      cell.append(badge);
    }
    cell.append(breakable(el('span', 'eid'), id));
    return cell;
  }

  // an evaluation's page (relclf evaluate -o): what became of each relation, against the gold
  function outcomeText(r) {
    switch (r.outcome) {
      case 'right': return 'right';
      case 'wrong_label': return `wrong label (gold: ${r.gold})`;
      case 'wrong_novelty': return `wrong novelty (gold: ${r.gold_novelty})`;
      case 'missed': return 'missed (gold, not predicted)';
      case 'spurious': return 'spurious (not in the gold)';
      default: return '';
    }
  }

  function relationRow(r) {
    const row = el('tr', 'rel');
    row.dataset.key = r.key;
    const relation = el('td', 'relation');
    relation.append(breakable(el('span', 'label'), r.label), el('span', 'novelty', r.novelty ? `novelty: ${r.novelty}` : ''));
    if (r.outcome) relation.append(el('span', `outcome oc-${r.outcome}`, outcomeText(r)));
    row.append(entityCell(r.text1, r.type1, r.id1), entityCell(r.text2, r.type2, r.id2), relation);
    const score = el('td', 'score');
    if (r.score === null || r.score === undefined) {
      score.textContent = '\u2014';
    } else {
      score.textContent = r.score.toFixed(3);
      const bar = el('span', 'bar');
      const fill = el('span');
      fill.style.width = `${Math.round(Math.min(1, Math.max(0, r.score)) * 100)}%`;
      bar.append(fill);
      score.append(bar);
    }
    let evidence = '\u2014';
    if (r.near === 0) evidence = `together in ${plural(r.ev.length, 'sentence')}`;
    else if (r.near !== null && r.near !== undefined) evidence = `never together; closest ${plural(r.near, 'sentence')} apart`;
    else evidence = 'no mention in a sentence';
    const decide = el('td', 'decide');
    const accept = el('button', 'acc', '\u2713');
    const reject = el('button', 'rej', '\u2717');
    accept.type = reject.type = 'button';
    accept.dataset.act = 'a';
    reject.dataset.act = 'r';
    accept.title = 'accept (a)';
    reject.title = 'reject (r)';
    accept.setAttribute('aria-label', 'accept');
    reject.setAttribute('aria-label', 'reject');
    decide.append(accept, reject, el('span', 'state'));
    relation.append(el('span', 'ev', evidence));
    row.append(score, decide);
    r.row = row;
    showDecision(r);
    if (selected === r) row.classList.add('selected');
    return row;
  }

  function showDecision(r) {
    if (!r.row) return;
    const decision = decisions[r.key];
    r.row.classList.toggle('accepted', decision === 'a');
    r.row.classList.toggle('rejected', decision === 'r');
    r.row.querySelector('.acc').setAttribute('aria-pressed', String(decision === 'a'));
    r.row.querySelector('.rej').setAttribute('aria-pressed', String(decision === 'r'));
    r.row.querySelector('.state').textContent = decision === 'a' ? 'accepted' : decision === 'r' ? 'rejected' : '';
  }

  // ---------------------------------------------------------------------------------------------
  // Selection and navigation

  function mark(r) {
    const doc = r.doc;
    if (!doc.rendered) return;
    doc.el.classList.add('has-selection', 'selected-doc');
    if (r.row) {
      r.row.classList.add('selected');
      r.row.setAttribute('aria-selected', 'true');
    }
    if (r.e) {
      r.e.forEach((entity, k) => {
        for (const m of doc.data.entities[entity][2]) for (const span of doc.mentionEls[m]) span.classList.add(k ? 'sel-b' : 'sel-a');
      });
    }
    for (const s of r.ev) {
      const sentence = doc.sentenceEls.get(s);
      if (sentence) sentence.classList.add('evidence');
    }
  }

  function unmark(r) {
    const doc = r.doc;
    if (!doc.rendered) return;
    doc.el.classList.remove('has-selection', 'selected-doc');
    for (const node of doc.el.querySelectorAll('.sel-a, .sel-b, .evidence, tr.selected')) {
      node.classList.remove('sel-a', 'sel-b', 'evidence', 'selected');
      node.removeAttribute('aria-selected');
    }
  }

  function select(r, scroll) {
    if (selected) unmark(selected);
    selected = r;
    if (!r) {
      showSelection();
      return;
    }
    if (!r.doc.rendered) render(r.doc);
    mark(r);
    if (scroll) reveal(r);
    showSelection();
  }

  function showSelection() {
    const r = selected;
    if (!r) {
      byId('selection').textContent = '';
      return;
    }
    const position = sequence.indexOf(r);
    const where = position >= 0 ? `, ${(position + 1).toLocaleString('en')} of ${sequence.length.toLocaleString('en')}` : ', hidden by the filters';
    byId('selection').textContent = `\u00b7 selected: ${r.label} between ${r.text1 || r.id1} and ${r.text2 || r.id2} (PMID ${r.doc.pmid})${where}`;
  }

  // show the document, then the first evidence sentence and the row, each moving the view as little as possible
  function reveal(r) {
    const box = r.doc.el.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) r.doc.el.scrollIntoView({ block: box.height < window.innerHeight ? 'center' : 'start' });
    const sentence = r.ev.length ? r.doc.sentenceEls.get(r.ev[0]) : null;
    if (sentence) sentence.scrollIntoView({ block: 'nearest' });
    if (r.row) r.row.scrollIntoView({ block: 'nearest' });
  }

  function firstInView() {
    const top = byId('status').getBoundingClientRect().bottom;
    for (const doc of order) {
      if (doc.hidden) continue;
      if (doc.el.getBoundingClientRect().bottom > top && doc.shown.length) return doc.shown[0];
    }
    return sequence[0];
  }

  function move(step) {
    if (!sequence.length) return;
    const at = selected ? sequence.indexOf(selected) : -1;
    const next = at < 0 ? firstInView() : sequence[Math.min(sequence.length - 1, Math.max(0, at + step))];
    select(next, true);
  }

  function moveDocument(step) {
    const visible = order.filter((d) => !d.hidden && d.shown.length);
    if (!visible.length) return;
    const at = selected ? visible.indexOf(selected.doc) : -1;
    const doc = at < 0 ? firstInView().doc : visible[Math.min(visible.length - 1, Math.max(0, at + step))];
    select(doc.shown[0], true);
  }

  function decide(r, value, advance) {
    if (!r) return;
    const next = advance ? sequence[sequence.indexOf(r) + 1] : null;
    if (value) decisions[r.key] = value;
    else delete decisions[r.key];
    saveDecisions();
    showDecision(r);
    if (r.doc.rendered) renderHead(r.doc, r.doc.head);
    showProgress();
    if (state.status !== 'all') {
      const at = sequence.indexOf(r);
      refresh();
      if (advance || !sequence.includes(r)) {
        const target = next && sequence.includes(next) ? next : sequence[Math.min(Math.max(at, 0), sequence.length - 1)];
        select(target || null, true);
        return;
      }
    }
    if (advance && next) select(next, true);
  }

  // ---------------------------------------------------------------------------------------------
  // Progress, legend, export

  function showProgress() {
    let accepted = 0;
    let rejected = 0;
    for (const value of Object.values(decisions)) {
      if (value === 'a') accepted += 1;
      else rejected += 1;
    }
    const total = relations.length || 1;
    byId('progress-accepted').style.width = `${(100 * accepted) / total}%`;
    byId('progress-rejected').style.width = `${(100 * rejected) / total}%`;
    const decided = accepted + rejected;
    byId('progress').setAttribute('aria-valuenow', String(Math.round((100 * decided) / total)));
    byId('progress-text').textContent = `${decided.toLocaleString('en')} of ${plural(relations.length, 'relation')} decided: ${accepted.toLocaleString('en')} accepted, ${rejected.toLocaleString('en')} rejected`;
    byId('export-pubtator').textContent = `Accepted as PubTator (${accepted.toLocaleString('en')})`;
    byId('export-tsv').textContent = `Accepted as TSV (${accepted.toLocaleString('en')})`;
    byId('export-decisions').textContent = `All decisions as TSV (${decided.toLocaleString('en')})`;
  }

  function buildLegend() {
    const legend = byId('legend');
    const types = [...typeCounts.keys()].sort((a, b) => typeStyle.get(a) - typeStyle.get(b) || a.localeCompare(b));
    for (const type of types) {
      const item = el('li');
      const sample = el('span', `m mend ty-${styleOf(type)}`, type);
      sample.dataset.badge = shortName(type);
      item.append(sample, el('span', 'count', plural(typeCounts.get(type), 'mention')));
      legend.append(item);
    }
    if (!types.length) legend.append(el('li', 'hint', 'no mentions'));
  }

  function fileBase() {
    const name = decodeURIComponent(window.location.pathname.split('/').pop() || '');
    return name.replace(/\.html?$/i, '') || 'review';
  }

  function download(name, text) {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = el('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  const lines = (rows) => rows.map((row) => `${row}\n`).join('');
  const withDecision = (value) => relations.filter((r) => decisions[r.key] === value);

  function exportPubtator() {
    download(`${fileBase()}.accepted.pubtator`, lines(withDecision('a').map((r) => r.pubtator)));
  }

  function exportTsv() {
    download(`${fileBase()}.accepted.tsv`, lines([summary.columns.join('\t'), ...withDecision('a').map((r) => r.tsv)]));
  }

  function exportDecisions() {
    const decided = relations.filter((r) => decisions[r.key]);
    const rows = decided.map((r) => `${r.tsv}\t${decisions[r.key] === 'a' ? 'accepted' : 'rejected'}`);
    download(`${fileBase()}.decisions.tsv`, lines([[...summary.columns, 'decision'].join('\t'), ...rows]));
  }

  // Import: the decisions of an "All decisions as TSV" file, matched by document, IDs and label, so that
  // they carry over to a page of other predictions (another model or threshold) or to another browser
  function parseTsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else if (c === '"') {
          quoted = false;
        } else {
          field += c;
        }
      } else if (c === '"' && field === '') {
        quoted = true;
      } else if (c === '\t') {
        row.push(field);
        field = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i += 1;
        row.push(field);
        rows.push(row);
        row = [];
        field = '';
      } else {
        field += c;
      }
    }
    if (field !== '' || row.length) {
      row.push(field);
      rows.push(row);
    }
    return rows;
  }

  const matchKey = (pmid, id1, id2, label) => [pmid, id1, id2, label].join('\t');

  function importDecisions(text) {
    const [header, ...rows] = parseTsv(text);
    const column = (name) => (header || []).indexOf(name);
    const needed = ['document', 'id1', 'id2', 'label', 'decision'];
    if (needed.some((name) => column(name) < 0)) {
      return `Not a decisions file: it needs the columns ${needed.join(', ')}.`;
    }
    const byContent = new Map();
    for (const r of relations) {
      const key = matchKey(r.doc.pmid, r.id1, r.id2, r.label);
      if (!byContent.has(key)) byContent.set(key, []);
      byContent.get(key).push(r);
    }
    let applied = 0;
    let unmatched = 0;
    for (const row of rows) {
      if (row.length < header.length) continue;
      const value = { accepted: 'a', rejected: 'r' }[row[column('decision')]];
      const matches = byContent.get(matchKey(row[column('document')], row[column('id1')], row[column('id2')], row[column('label')]));
      if (!value || !matches) {
        unmatched += 1;
        continue;
      }
      for (const r of matches) decisions[r.key] = value;
      applied += 1;
    }
    saveDecisions();
    showProgress();
    refresh();
    return `Imported ${plural(applied, 'decision')}${unmatched ? `; ${unmatched.toLocaleString('en')} matched no relation of this page` : ''}.`;
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  function setQuery(raw) {
    const query = raw.trim();
    state.query = query.toLowerCase();
    queryPattern = query ? new RegExp(`(${escapeRegExp(query)})`, 'iu') : null;
    refresh();
  }

  function readScore(input, fallback) {
    const value = parseFloat(input.value);
    return Number.isFinite(value) ? value : fallback;
  }

  function resetFilters() {
    byId('query').value = '';
    byId('query-text').checked = false;
    byId('score-min').value = '0';
    byId('score-max').value = '1';
    byId('sort').value = 'input';
    document.querySelector('input[name="status"][value="all"]').checked = true;
    Object.assign(state, { query: '', inText: false, status: 'all', min: 0, max: 1, sort: 'input' });
    queryPattern = null;
    for (const [name, group] of Object.entries(groups)) {
      state[name] = new Set(group.values);
      for (const box of group.box.querySelectorAll('input')) box.checked = true;
    }
    refresh();
  }

  function wire() {
    let timer = null;
    byId('query').addEventListener('input', (event) => {
      clearTimeout(timer);
      timer = setTimeout(() => setQuery(event.target.value), 120);
    });
    // Enter searches at once and leaves the box, so that j/k work on the results
    byId('query').addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        clearTimeout(timer);
        setQuery(event.target.value);
        event.target.blur();
      }
    });
    byId('query-text').addEventListener('change', (event) => {
      state.inText = event.target.checked;
      refresh();
    });
    for (const radio of document.querySelectorAll('input[name="status"]')) {
      radio.addEventListener('change', () => {
        state.status = radio.value;
        refresh();
      });
    }
    byId('score-min').addEventListener('input', (event) => {
      state.min = readScore(event.target, 0);
      refresh();
    });
    byId('score-max').addEventListener('input', (event) => {
      state.max = readScore(event.target, 1);
      refresh();
    });
    byId('sort').addEventListener('change', (event) => {
      state.sort = event.target.value;
      refresh();
      if (selected) reveal(selected);
    });
    byId('reset').addEventListener('click', resetFilters);
    byId('badges').addEventListener('change', (event) => document.body.classList.toggle('badges', event.target.checked));
    byId('export-pubtator').addEventListener('click', exportPubtator);
    byId('export-tsv').addEventListener('click', exportTsv);
    byId('export-decisions').addEventListener('click', exportDecisions);
    const file = byId('import-file');
    byId('import').addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      if (!file.files.length) return;
      file.files[0].text().then((text) => {
        byId('import-note').textContent = importDecisions(text);
        file.value = '';
      });
    });
    byId('clear').addEventListener('click', () => {
      if (!window.confirm('Clear every decision made on this page?')) return;
      decisions = {};
      saveDecisions();
      showProgress();
      refresh();
    });
    const help = byId('help');
    byId('help-button').addEventListener('click', () => help.showModal());
    byId('help-close').addEventListener('click', () => help.close());
    docsBox.addEventListener('click', onDocsClick);
    docsBox.addEventListener('mouseover', (event) => hoverEntity(event, true));
    docsBox.addEventListener('mouseout', (event) => hoverEntity(event, false));
    document.addEventListener('keydown', onKey);
    window.addEventListener('storage', (event) => {
      if (event.key !== storageKey) return;
      decisions = loadDecisions();
      showProgress();
      refresh();
    });
  }

  function onDocsClick(event) {
    const row = event.target.closest('tr.rel');
    if (!row) return;
    const r = relationByKey.get(row.dataset.key);
    const button = event.target.closest('button[data-act]');
    if (button) {
      const value = button.dataset.act;
      if (selected !== r) select(r, false);
      decide(r, decisions[r.key] === value ? null : value, false);
      return;
    }
    select(r, true);
  }

  // hovering a mention outlines every mention of the same entities
  function hoverEntity(event, on) {
    const span = event.target.closest && event.target.closest('.m');
    if (!span || !span.dataset.m) return;
    const article = span.closest('article');
    const doc = docs[Number(article.dataset.position)];
    if (!doc.rendered) return;
    const mentions = span.dataset.m.split(' ').map(Number);
    for (const [, , entityMentions] of doc.data.entities) {
      if (!entityMentions.some((m) => mentions.includes(m))) continue;
      for (const m of entityMentions) for (const node of doc.mentionEls[m]) node.classList.toggle('hover', on);
    }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest('input, select, textarea, [contenteditable]')) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    if (byId('help').open) return;
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      n: () => moveDocument(1),
      p: () => moveDocument(-1),
      a: () => decide(selected, 'a', true),
      r: () => decide(selected, 'r', true),
      u: () => decide(selected, null, false),
      '/': () => byId('query').focus(),
      '?': () => byId('help').showModal(),
      Escape: () => select(null, false),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  // ---------------------------------------------------------------------------------------------
  // Start

  document.body.classList.add('badges');
  byId('overview').textContent = `${plural(summary.documents, 'document')} \u00b7 ${plural(relations.length, 'relation')} \u00b7 relclf ${summary.version}`;
  document.title = `relclf review: ${plural(summary.documents, 'document')}, ${plural(relations.length, 'relation')}`;
  buildChoices();
  buildLegend();
  createDocumentElements();
  wire();
  showStorage();
  showProgress();
  refresh();
  for (const doc of docs) observer.observe(doc.el);
  document.body.dataset.ready = 'true';
})();
