/* relclf review page: renders the documents embedded as JSON, lazily, and keeps the curator's work: decisions,
   corrections, added relations, in local storage, undoable. It exports the reviewed documents as relclf's own
   writers would (PubTator, BioC JSON, TSV rows) and the decisions file, and compares curators' decisions.
   All input text is inserted as text nodes (textContent, never innerHTML); offsets were resolved by relclf, which
   cut each text into segments, so this script never computes a character offset. */
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
  const count = (n) => n.toLocaleString('en');
  const STORAGE_PREFIX = 'relclf-review:';
  // known types keep their colour whatever the page holds; others get the remaining styles in order of appearance
  const FIXED_STYLES = { Gene: 0, Chemical: 1, Disease: 2, Variant: 3, Species: 4, CellLine: 5 };
  const SHORT = { Gene: 'GENE', Chemical: 'CHEM', Disease: 'DIS', Variant: 'VAR', Species: 'SPEC', CellLine: 'CELL' };
  const N_STYLES = 8;
  const NO_NOVELTY = '';
  const PREDICTED_BY = 'relclf';
  const CURATOR = 'curator';
  const INPUT = 'input';
  const STATUS_WORDS = { todo: '', accepted: 'accepted', corrected: 'corrected', added: 'added', rejected: 'rejected' };
  const ADDED_ORDER = 1e9; // added relations come after the predicted ones

  // ---------------------------------------------------------------------------------------------
  // Data: one object per document, one per relation (predicted ones in input order, then added ones)

  const summary = JSON.parse(byId('relclf-summary').textContent);
  const docs = [];
  const relationByKey = new Map();
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

  // documents that are PubMed articles are named and linked as such; a DOI or any other ID is not a PMID
  const PMID = /^[1-9]\d{0,8}$/;
  const DOI = /^10\.\d{4,9}\/\S+$/;
  function documentName(pmid) {
    if (PMID.test(pmid)) return `PMID ${pmid}`;
    if (DOI.test(pmid)) return `DOI ${pmid}`;
    return `document ${pmid}`;
  }

  function makeDoc(data, position) {
    const doc = { data, position, index: data.index, pmid: data.pmid, rels: [], predicted: [], shown: [], el: null, rendered: false, hidden: false, measured: null };
    doc.titleText = segmentsText(data.title);
    doc.abstractText = segmentsText(data.abstract);
    doc.haystack = `${doc.titleText}\n${doc.abstractText}`.toLowerCase();
    const mentionText = data.mentions.map(() => '');
    for (const segments of [data.title, data.abstract]) {
      for (const segment of segments) for (const m of segment[2] || []) mentionText[m] += segment[0];
    }
    doc.mentionText = mentionText;
    doc.entityNumber = new Map(data.entities.map((e, n) => [e[0], n]));
    for (const mention of data.mentions) {
      typeCounts.set(mention[0], (typeCounts.get(mention[0]) || 0) + 1);
      styleOf(mention[0]);
    }
    data.relations.forEach((r, i) => {
      const rel = Object.assign({ source: PREDICTED_BY }, r, { doc, i, key: `${data.index}:${i}`, added: false });
      describe(rel);
      doc.predicted.push(rel);
      relationByKey.set(rel.key, rel);
    });
    doc.rels = doc.predicted.slice();
    doc.form = { open: false, e1: '', e2: '', label: '', novelty: '', note: '' };
    return doc;
  }

  // what filters and the search read of a relation
  function describe(rel) {
    rel.pair = typePair(rel.type1, rel.type2);
    const texts = [rel.text1, rel.id1, rel.text2, rel.id2, rel.label, rel.doc.pmid, outcomeText(rel)];
    if (rel.e) for (const e of rel.e) for (const m of rel.doc.data.entities[e][2]) texts.push(rel.doc.mentionText[m]);
    rel.haystack = texts.join('\n').toLowerCase();
  }

  const dataNodes = document.querySelectorAll('script.relclf-doc');
  dataNodes.forEach((node, position) => docs.push(makeDoc(JSON.parse(node.textContent), position)));
  byId('relclf-data').remove();
  const docByPmid = new Map(docs.map((d) => [d.pmid, d]));
  const predictedRelations = docs.flatMap((d) => d.predicted);
  const hasScores = predictedRelations.some((r) => r.score !== null && r.score !== undefined);
  const hasNotes = docs.some((d) => d.data.note);
  const sourcesOnPage = new Set(predictedRelations.map((r) => r.source));

  // the labels and novelty values a relation may be given: the model's (from the writer) and those on the page
  const labelChoices = [];
  const noveltyChoices = [NO_NOVELTY];
  function knowLabel(label) {
    if (label && !labelChoices.includes(label)) {
      labelChoices.push(label);
      labelChoices.sort((a, b) => a.localeCompare(b));
    }
  }
  function knowNovelty(value) {
    if (value && !noveltyChoices.includes(value)) noveltyChoices.push(value);
  }
  for (const label of summary.labels || []) knowLabel(label);
  for (const r of predictedRelations) knowLabel(r.label);
  for (const value of summary.novelty || []) knowNovelty(value);
  for (const r of predictedRelations) knowNovelty(r.novelty);

  // ---------------------------------------------------------------------------------------------
  // The curator's work, kept in local storage under the page's digest:
  //   decisions {key: 'a' | 'r'}, edits {key: {label, novelty}} (corrections of accepted relations),
  //   added {key: {id1, id2, label, novelty, serial}}, reviewed {document index: true}, meta {serial}
  // Every change goes through set() inside a transaction, which records it for undo and redo.

  const STORES = ['decisions', 'edits', 'added', 'reviewed', 'meta'];
  const HISTORY = 100; // undoable steps kept (in local storage too, so that undo works after a reload)
  const storageKey = STORAGE_PREFIX + summary.digest;
  let storageProblem = null;
  const history = [];
  const future = [];
  let store = loadStore();

  function emptyStore() {
    return { decisions: {}, edits: {}, added: {}, reviewed: {}, meta: {} };
  }

  function loadStore() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storageKey) || 'null');
      const checked = checkedStore(saved);
      history.length = future.length = 0;
      history.push(...checkedSteps(saved && saved.history));
      future.push(...checkedSteps(saved && saved.future));
      return checked;
    } catch (error) {
      storageProblem = error;
      return emptyStore();
    }
  }

  // keep only what names relations and documents of this page, in the shapes this script writes
  function checkedStore(saved) {
    const kept = emptyStore();
    if (!saved || typeof saved !== 'object') return kept;
    for (const [key, value] of Object.entries(saved.decisions || {})) if (relationByKey.has(key) && (value === 'a' || value === 'r')) kept.decisions[key] = value;
    for (const [key, value] of Object.entries(saved.edits || {})) {
      if (relationByKey.has(key) && value && typeof value.label === 'string' && value.label) kept.edits[key] = { label: value.label, novelty: typeof value.novelty === 'string' && value.novelty ? value.novelty : null };
    }
    for (const [key, value] of Object.entries(saved.added || {})) {
      const doc = docs[parseInt(key, 10)];
      if (!doc || !value || !/^\d+:\+\d+$/.test(key) || !doc.entityNumber.has(value.id1) || !doc.entityNumber.has(value.id2) || typeof value.label !== 'string' || !value.label) continue;
      kept.added[key] = { id1: value.id1, id2: value.id2, label: value.label, novelty: typeof value.novelty === 'string' && value.novelty ? value.novelty : null, serial: Number(value.serial) || 0 };
    }
    for (const key of Object.keys(saved.reviewed || {})) if (docs[Number(key)]) kept.reviewed[key] = true;
    kept.meta.serial = Number((saved.meta || {}).serial) || 0;
    return kept;
  }

  // undo steps as saved: {what, changes: [[store name, key, before, after]]}; anything else is dropped
  function checkedSteps(steps) {
    if (!Array.isArray(steps)) return [];
    return steps.filter((step) => step && typeof step.what === 'string' && Array.isArray(step.changes) && step.changes.every((c) => Array.isArray(c) && STORES.includes(c[0]) && typeof c[1] === 'string')).slice(-HISTORY);
  }

  function saveStore() {
    try {
      const saved = { format: 2, documents: summary.documents, saved: new Date().toISOString(), ...store, history: history.slice(-HISTORY), future: future.slice(-HISTORY) };
      window.localStorage.setItem(storageKey, JSON.stringify(saved));
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

  const clone = (value) => (value === undefined || value === null ? undefined : JSON.parse(JSON.stringify(value)));
  let pending = null;

  // set store[name][key] to value (undefined deletes it), recording the change in the open transaction
  function set(name, key, value) {
    const before = store[name][key];
    if (JSON.stringify(before) === JSON.stringify(value)) return;
    pending.changes.push([name, key, clone(before), clone(value)]);
    if (value === undefined) delete store[name][key];
    else store[name][key] = value;
  }

  // run action() as one undoable step; what it changed is saved and shown
  function transaction(what, action) {
    pending = { what, changes: [] };
    let result;
    try {
      result = action();
    } finally {
      const done = pending;
      pending = null;
      if (done.changes.length) {
        history.push(done);
        if (history.length > HISTORY) history.shift();
        future.length = 0;
        changed(done.changes);
      }
    }
    return result;
  }

  // a value of a step (null when it was saved: JSON has no undefined) back into the store
  function put(name, key, value) {
    if (value === undefined || value === null) delete store[name][key];
    else store[name][key] = clone(value);
  }

  function undo() {
    const step = history.pop();
    if (!step) return flash('Nothing to undo.');
    for (const [name, key, before] of step.changes.slice().reverse()) put(name, key, before);
    future.push(step);
    changed(step.changes);
    flash(`Undone: ${step.what}.`);
    return null;
  }

  function redo() {
    const step = future.pop();
    if (!step) return flash('Nothing to redo.');
    for (const [name, key, , after] of step.changes) put(name, key, after);
    history.push(step);
    changed(step.changes);
    flash(`Redone: ${step.what}.`);
    return null;
  }

  function flash(text) {
    byId('action-note').textContent = text;
  }

  // after changes to the store: save, rebuild the touched documents' added relations, show everything again
  function changed(changes) {
    saveStore();
    const touched = new Set(changes.map(([name, key]) => docs[parseInt(key, 10)]).filter(Boolean));
    let structural = false;
    for (const doc of touched) structural = syncAdded(doc) || structural;
    if (structural || !isDefault()) {
      // relations came or went, or the filters may now hide or show some: place them again (only the touched
      // documents and those whose shown relations changed are drawn again)
      refresh(touched);
    } else {
      for (const doc of touched) {
        if (!doc.rendered) continue;
        for (const r of doc.rels) updateRow(r);
        renderHead(doc, doc.head);
      }
    }
    showProgress();
    showUndo();
    if (selected && !relationByKey.has(selected.key)) select(null, false);
    else showSelection();
  }

  // the document's relations: its predicted ones, then those added to it (in the order they were added)
  function syncAdded(doc) {
    const prefix = `${doc.index}:+`;
    const wanted = Object.keys(store.added).filter((key) => key.startsWith(prefix));
    const current = doc.rels.filter((r) => r.added).map((r) => r.key);
    const same = wanted.length === current.length && wanted.every((key) => current.includes(key));
    for (const r of doc.rels) if (r.added && store.added[r.key]) Object.assign(r, { label: store.added[r.key].label, novelty: store.added[r.key].novelty });
    if (same) return false;
    for (const key of current) if (!store.added[key]) relationByKey.delete(key);
    const added = wanted.map((key) => relationByKey.get(key) || makeAdded(doc, key, store.added[key]));
    added.sort((a, b) => a.i - b.i);
    doc.rels = doc.predicted.concat(added);
    return true;
  }

  function makeAdded(doc, key, entry) {
    const [a, b] = [doc.entityNumber.get(entry.id1), doc.entityNumber.get(entry.id2)];
    const [first, second] = [doc.data.entities[a], doc.data.entities[b]];
    const [ev, near] = evidenceOf(doc, a, b);
    const rel = {
      key, doc, added: true, i: ADDED_ORDER + entry.serial,
      id1: entry.id1, type1: first[1], text1: first[4], id2: entry.id2, type2: second[1], text2: second[4],
      label: entry.label, novelty: entry.novelty, score: null, source: CURATOR, e: [a, b], ev, near, n: [first[3], second[3]],
    };
    describe(rel);
    relationByKey.set(key, rel);
    return rel;
  }

  // the sentences where both entities are mentioned, else the closest ones mentioning one each (as relclf.io.html finds them)
  function evidenceOf(doc, a, b) {
    const sentences = (e) => new Set(doc.data.entities[e][2].map((m) => doc.data.ms[m]).filter((s) => s >= 0));
    const [first, second] = [sentences(a), sentences(b)];
    if (!first.size || !second.size) return [[], null];
    const both = [...first].filter((s) => second.has(s)).sort((x, y) => x - y);
    if (both.length) return [both, 0];
    let distance = Infinity;
    for (const x of first) for (const y of second) distance = Math.min(distance, Math.abs(x - y));
    const closest = new Set();
    for (const x of first) for (const y of second) if (Math.abs(x - y) === distance) closest.add(x).add(y);
    return [[...closest].sort((x, y) => x - y), distance];
  }

  // ---------------------------------------------------------------------------------------------
  // What the store says of a relation and a document

  function status(r) {
    if (r.added) return 'added';
    const decision = store.decisions[r.key];
    if (decision === 'r') return 'rejected';
    if (decision === 'a') return store.edits[r.key] ? 'corrected' : 'accepted';
    return 'todo';
  }

  // the label and novelty the relation has now (a correction's, an added relation's, or as predicted)
  function current(r) {
    if (r.added) return { label: r.label, novelty: r.novelty || null };
    const edit = store.edits[r.key];
    return edit ? { label: edit.label, novelty: edit.novelty || null } : { label: r.label, novelty: r.novelty || null };
  }

  const kept = (s) => s === 'accepted' || s === 'corrected' || s === 'added';

  function tally(doc) {
    const counts = { todo: 0, accepted: 0, corrected: 0, added: 0, rejected: 0 };
    for (const r of doc.rels) counts[status(r)] += 1;
    counts.reviewed = Boolean(store.reviewed[doc.index]);
    // complete: every relation decided, and at least one relation, or the document marked reviewed
    counts.complete = counts.todo === 0 && (doc.rels.length > 0 || counts.reviewed);
    return counts;
  }

  // the curator's relations of a document: accepted and corrected ones in input order, then the added ones
  function goldRelations(doc) {
    return doc.rels.filter((r) => kept(status(r))).map((r) => ({ rel: r, ...current(r) }));
  }

  // ---------------------------------------------------------------------------------------------
  // Filters and sort

  const state = { query: '', inText: false, status: 'all', min: 0, max: 1, labels: null, pairs: null, novelty: null, sources: null, sort: 'input', badges: true };
  const groups = {
    labels: { box: byId('label-filter'), key: (r) => current(r).label, name: (v) => v },
    pairs: { box: byId('pair-filter'), key: (r) => r.pair, name: (v) => v.replace('|', ' \u2013 ') },
    novelty: { box: byId('novelty-filter'), key: (r) => current(r).novelty || NO_NOVELTY, name: (v) => v || '(none)' },
    sources: { box: byId('source-filter'), key: (r) => r.source, name: (v) => v, hideSingle: true },
  };
  let queryPattern = null;
  let order = [];
  let sequence = [];
  let selected = null;

  function buildChoices() {
    for (const [name, group] of Object.entries(groups)) {
      const counts = new Map();
      for (const r of predictedRelations) counts.set(group.key(r), (counts.get(group.key(r)) || 0) + 1);
      const values = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || String(a).localeCompare(String(b)));
      state[name] = new Set(values);
      group.values = values;
      group.known = new Set(values);
      if (!values.length || (group.hideSingle && values.length < 2)) {
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
        label.append(box, el('span', 'choice', group.name(value)), el('span', 'count', count(counts.get(value))));
        group.box.append(label);
      }
    }
    if (!hasScores) {
      // gold relations have no score: nothing to filter or sort by
      byId('score-filter').hidden = true;
      for (const option of byId('sort').options) option.disabled = option.value === 'desc' || option.value === 'asc';
    }
    const bySelection = byId('sort').querySelector('option[value="selection"]');
    bySelection.disabled = bySelection.hidden = !hasNotes;
  }

  function setGroup(name, values) {
    state[name] = new Set(values);
    for (const box of groups[name].box.querySelectorAll('input')) box.checked = state[name].has(box.value);
    refresh();
  }

  function isDefault() {
    return !state.query && state.status === 'all' && state.min <= 0 && state.max >= 1 && Object.entries(groups).every(([name, g]) => state[name].size === g.values.length);
  }

  // a value the choices do not list (a label given by a correction, a new type pair of an added relation) passes
  function inGroup(name, r) {
    const value = groups[name].key(r);
    return !groups[name].known.has(value) || state[name].has(value);
  }

  function passes(r) {
    if (!inGroup('labels', r) || !inGroup('pairs', r) || !inGroup('novelty', r) || !inGroup('sources', r)) return false;
    if (r.score !== null && r.score !== undefined && (r.score < state.min || r.score > state.max)) return false;
    const s = status(r);
    if (state.status === 'undecided' && s !== 'todo') return false;
    if (['accepted', 'corrected', 'added', 'rejected'].includes(state.status) && s !== state.status) return false;
    if (state.status === 'disagree' && !disagreement(r)) return false;
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
  const rank = (doc) => (doc.data.note && Number.isFinite(doc.data.note.rank) ? doc.data.note.rank : Infinity);

  // apply the filters and the sort. Every rendered document is drawn again, unless only some documents changed
  // (``touched``, after a decision): then only those and the ones whose shown relations changed are
  function refresh(touched) {
    const active = !isDefault();
    const redraw = new Set();
    for (const doc of docs) {
      const before = doc.shown;
      doc.shown = doc.rels.filter(passes).sort(compareRelations);
      doc.hidden = active && doc.shown.length === 0 && !(state.status === 'disagree' && proposalsDisagree(doc));
      if (!touched || touched.has(doc) || before.length !== doc.shown.length || before.some((r, i) => r !== doc.shown[i])) redraw.add(doc);
    }
    const visible = docs.filter((d) => !d.hidden);
    if (state.sort === 'desc') visible.sort((a, b) => docScore(b) - docScore(a) || a.position - b.position);
    if (state.sort === 'asc') visible.sort((a, b) => docScore(a) - docScore(b) || a.position - b.position);
    if (state.sort === 'selection') visible.sort((a, b) => rank(a) - rank(b) || a.position - b.position);
    placeDocuments(visible);
    sequence = visible.flatMap((d) => d.shown);
    layoutWidth = null;
    for (const doc of docs) {
      if (doc.hidden !== doc.el.hidden) doc.el.hidden = doc.hidden;
      if (!redraw.has(doc)) continue;
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

  function allRelations() {
    return docs.flatMap((d) => d.rels);
  }

  function showMatches(visible) {
    const total = allRelations().length;
    const text = isDefault()
      ? `${plural(summary.documents, 'document')}, ${plural(total, 'relation')}`
      : `${count(sequence.length)} of ${plural(total, 'relation')} match, in ${count(visible.length)} of ${plural(docs.length, 'document')}`;
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
      doc.el.setAttribute('aria-label', documentName(doc.pmid));
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
      } else if (doc.rendered && !(selected && selected.doc === doc) && !doc.form.open) {
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
    const table = (doc.rels.length ? 34 + doc.shown.length * 58 : 24) + 30;
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
    body.append(text, relationBox(doc));
    doc.head = head;
    doc.el.replaceChildren(head, body);
    doc.el.classList.remove('placeholder');
    doc.el.style.height = '';
    doc.rendered = true;
    if (selected && selected.doc === doc) mark(selected);
    markPicks(doc);
  }

  function renderHead(doc, head) {
    head.replaceChildren();
    const name = documentName(doc.pmid);
    if (PMID.test(doc.pmid) || DOI.test(doc.pmid)) {
      const link = el('a', 'pmid', name);
      link.href = PMID.test(doc.pmid) ? `https://pubmed.ncbi.nlm.nih.gov/${doc.pmid}/` : `https://doi.org/${encodeURI(doc.pmid)}`;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.title = `open in ${PMID.test(doc.pmid) ? 'PubMed' : 'doi.org'} (needs the network)`;
      head.append(link);
    } else {
      head.append(el('span', 'pmid', name));
    }
    head.append(el('span', null, `document ${count(doc.position + 1)} of ${count(docs.length)}`));
    const t = tally(doc);
    head.append(el('span', null, plural(doc.rels.length, 'relation')));
    if (doc.rels.length) {
      const parts = [`\u2713 ${t.accepted} accepted`];
      if (t.corrected) parts.push(`\u270e ${t.corrected} corrected`);
      if (t.added) parts.push(`+ ${t.added} added`);
      parts.push(`\u2717 ${t.rejected} rejected`, `${t.todo} to do`);
      head.append(el('span', 'tally', parts.join(' \u00b7 ')));
    } else {
      const mark = el('button', 'reviewed-toggle', t.reviewed ? 'reviewed \u2713' : 'mark reviewed (d)');
      mark.type = 'button';
      mark.dataset.act = 'reviewed';
      mark.setAttribute('aria-pressed', String(t.reviewed));
      mark.title = 'no relation to decide here: mark the document reviewed so that it is exported';
      head.append(mark);
    }
    if (t.complete) head.append(el('span', 'done', 'complete'));
    if (doc.data.note) {
      const note = doc.data.note;
      const chosen = el('span', 'chosen', `selected #${note.rank}${Number.isFinite(note.value) && note.strategy !== 'random' ? ` \u00b7 ${note.strategy} ${note.value.toFixed(2)}` : ''}`);
      head.append(chosen);
      if (note.why) head.append(el('span', 'why', String(note.why)));
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

  function relationBox(doc) {
    const box = el('div', 'relations');
    if (!doc.rels.length) {
      box.append(el('p', 'no-relations', 'No relations.'));
    } else {
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
    }
    const proposals = proposalList(doc);
    if (proposals) box.append(proposals);
    box.append(addForm(doc));
    return box;
  }

  // long labels and IDs may wrap after an underscore, a colon or a bar
  function breakable(node, text) {
    node.replaceChildren();
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

  function options(select, values, name) {
    select.replaceChildren(...values.map((value) => {
      const option = el('option', null, name(value));
      option.value = value;
      return option;
    }));
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
    // each value shows as text (which wraps) with its choices over it, invisible until used
    const label = el('select', 'pick label-pick');
    label.setAttribute('aria-label', 'label');
    label.title = 'the label (l / L: next / previous); changing it corrects the relation';
    const novelty = el('select', 'pick novelty-pick');
    novelty.setAttribute('aria-label', 'novelty');
    novelty.title = 'the novelty (v / V: next / previous value)';
    const labelBox = el('span', 'choice-box label-box');
    labelBox.append(el('span', 'label'), label);
    const noveltyBox = el('span', 'choice-box novelty-box');
    noveltyBox.append(el('span', 'novelty'), novelty);
    relation.append(labelBox, el('span', 'was'), noveltyBox);
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
    // a score from the input (PubTator3's, say) is not relclf's calibrated probability: say whose it is
    if (r.source !== PREDICTED_BY && (sourcesOnPage.size > 1 || r.added)) score.append(el('span', 'source', r.source === INPUT ? 'from input' : String(r.source)));
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
    reject.title = r.added ? 'remove this added relation (r)' : 'reject (r)';
    accept.setAttribute('aria-label', 'accept');
    reject.setAttribute('aria-label', r.added ? 'remove' : 'reject');
    decide.append(accept, reject, el('span', 'state'));
    relation.append(el('span', 'ev', evidence), el('span', 'curators'));
    row.append(score, decide);
    r.row = row;
    updateRow(r);
    if (selected === r) row.classList.add('selected');
    return row;
  }

  // show the relation's status, label and novelty on its row (idempotent: called after every change)
  function updateRow(r) {
    if (!r.row) return;
    const s = status(r);
    const now = current(r);
    for (const name of ['accepted', 'corrected', 'added', 'rejected']) r.row.classList.toggle(name, s === name);
    r.row.querySelector('.acc').setAttribute('aria-pressed', String(s === 'accepted' || s === 'corrected'));
    r.row.querySelector('.rej').setAttribute('aria-pressed', String(s === 'rejected'));
    r.row.querySelector('.acc').hidden = r.added;
    r.row.querySelector('.state').textContent = STATUS_WORDS[s];
    const label = r.row.querySelector('.label-pick');
    knowLabel(now.label);
    if (label.options.length !== labelChoices.length) options(label, labelChoices, (v) => v);
    label.value = now.label;
    breakable(r.row.querySelector('.label'), now.label);
    const novelty = r.row.querySelector('.novelty-pick');
    knowNovelty(now.novelty);
    if (novelty.options.length !== noveltyChoices.length) options(novelty, noveltyChoices, (v) => `novelty: ${v || '\u2014'}`);
    novelty.value = now.novelty || NO_NOVELTY;
    r.row.querySelector('.novelty').textContent = now.novelty ? `novelty: ${now.novelty}` : 'novelty: \u2014';
    const was = r.row.querySelector('.was');
    was.textContent = s === 'corrected' ? `was ${r.label}${(r.novelty || null) !== now.novelty ? `, novelty ${r.novelty || '\u2014'}` : ''}` : '';
    r.row.querySelector('.curators').replaceChildren(...curatorChips(r));
  }

  // a document's form to add a relation: two of its entities (from the lists, or by clicking their mentions), a label, a novelty
  function addForm(doc) {
    const form = el('details', 'add');
    form.open = doc.form.open;
    const summaryLine = el('summary', null, 'Add a relation (+)');
    const fields = el('div', 'add-fields');
    const entityName = (n) => {
      if (n === '') return '\u2014 entity \u2014';
      const [id, type, , , text] = doc.data.entities[Number(n)];
      return `${text || id} (${shortName(type)}, ${id})`;
    };
    const entityValues = [''].concat(doc.data.entities.map((_, n) => String(n)));
    const pickers = {};
    for (const [name, text, values, show] of [
      ['e1', 'entity 1', entityValues, entityName],
      ['e2', 'entity 2', entityValues, entityName],
      ['label', 'label', labelChoices, (v) => v],
      ['novelty', 'novelty', noveltyChoices, (v) => v || '(none)'],
    ]) {
      const wrap = el('label', 'add-field');
      const select = el('select', `add-${name}`);
      options(select, values, show);
      select.value = doc.form[name] || (name === 'label' ? labelChoices[0] || '' : '');
      doc.form[name] = select.value;
      select.addEventListener('change', () => {
        doc.form[name] = select.value;
        markPicks(doc);
      });
      pickers[name] = select;
      wrap.append(el('span', null, text), select);
      fields.append(wrap);
    }
    const go = el('button', 'add-go', 'Add');
    go.type = 'button';
    go.addEventListener('click', () => submitAdd(doc));
    fields.append(go);
    const note = el('p', 'add-note hint', doc.form.note || 'Or click a mention of each entity in the text. Enter adds, Esc closes.');
    note.setAttribute('aria-live', 'polite');
    form.append(summaryLine, fields, note);
    form.addEventListener('toggle', () => {
      doc.form.open = form.open;
      markPicks(doc);
    });
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && event.target.tagName !== 'SUMMARY') {
        event.preventDefault();
        submitAdd(doc);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        form.open = doc.form.open = false;
        markPicks(doc);
        document.activeElement.blur();
      }
    });
    doc.formEl = form;
    doc.pickers = pickers;
    return form;
  }

  function openAddForm(doc) {
    if (!doc.rendered) render(doc);
    doc.form.open = true;
    doc.formEl.open = true;
    markPicks(doc);
    doc.formEl.scrollIntoView({ block: 'nearest' });
    doc.pickers.e1.focus();
  }

  function submitAdd(doc) {
    const { e1, e2, label, novelty } = doc.form;
    const message = e1 === '' || e2 === '' ? 'Pick two entities first.' : addRelation(doc, doc.data.entities[Number(e1)][0], doc.data.entities[Number(e2)][0], label, novelty || null);
    doc.form.note = message || '';
    if (!message) {
      doc.form.e1 = doc.form.e2 = '';
      doc.form.note = 'Added. Pick two more entities to add another relation.';
    }
    if (doc.rendered) {
      const note = doc.formEl.querySelector('.add-note');
      note.textContent = doc.form.note;
      doc.pickers.e1.value = doc.form.e1;
      doc.pickers.e2.value = doc.form.e2;
      markPicks(doc);
    }
  }

  // a mention clicked while the document's form is open picks its entity: the first pick is entity 1, the next entity 2
  function pickMention(doc, span) {
    const mentions = span.dataset.m.split(' ').map(Number);
    const entity = doc.data.entities.findIndex((e) => e[2].some((m) => mentions.includes(m)));
    if (entity < 0) {
      doc.form.note = 'This mention has no entity ID: it cannot take part in a relation.';
    } else {
      const slot = doc.form.e1 === '' || doc.form.e2 !== '' ? 'e1' : 'e2';
      if (slot === 'e1') doc.form.e2 = '';
      doc.form[slot] = String(entity);
      doc.form.note = `Entity ${slot === 'e1' ? 1 : 2}: ${doc.data.entities[entity][4] || doc.data.entities[entity][0]}.`;
    }
    doc.pickers.e1.value = doc.form.e1;
    doc.pickers.e2.value = doc.form.e2;
    doc.formEl.querySelector('.add-note').textContent = doc.form.note;
    markPicks(doc);
  }

  function markPicks(doc) {
    if (!doc.rendered) return;
    for (const node of doc.el.querySelectorAll('.pick-1, .pick-2')) node.classList.remove('pick-1', 'pick-2');
    doc.el.classList.toggle('adding', doc.form.open);
    if (!doc.form.open) return;
    for (const [slot, cls] of [['e1', 'pick-1'], ['e2', 'pick-2']]) {
      if (doc.form[slot] === '') continue;
      for (const m of doc.data.entities[Number(doc.form[slot])][2]) for (const span of doc.mentionEls[m]) span.classList.add(cls);
    }
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
    else if (!r.row && r.doc.shown.includes(r)) render(r.doc);
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
    const where = position >= 0 ? `, ${count(position + 1)} of ${count(sequence.length)}` : ', hidden by the filters';
    byId('selection').textContent = `\u00b7 selected: ${current(r).label} between ${r.text1 || r.id1} and ${r.text2 || r.id2} (${documentName(r.doc.pmid)})${where}`;
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

  // the document the keys act on: the selected relation's, else the first in view
  function currentDocument() {
    if (selected) return selected.doc;
    const top = byId('status').getBoundingClientRect().bottom;
    for (const doc of order) if (!doc.hidden && doc.el.getBoundingClientRect().bottom > top) return doc;
    return null;
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

  // ---------------------------------------------------------------------------------------------
  // Actions: each one undoable step

  const describeRelation = (r) => `${current(r).label} ${r.text1 || r.id1} \u2013 ${r.text2 || r.id2}`;

  // after an action on r: keep r selected or, with advance, select the next relation of the sequence as it was
  function after(r, next, advance) {
    if (advance && next && sequence.includes(next)) select(next, true);
    else if (relationByKey.has(r.key) && sequence.includes(r)) select(r, advance);
    else if (advance || (selected && !sequence.includes(selected))) select(next && sequence.includes(next) ? next : sequence[0] || null, true);
  }

  function decide(r, value, advance) {
    if (!r) return;
    const at = sequence.indexOf(r);
    const next = at >= 0 ? sequence[at + 1] : null;
    transaction(`${value === 'a' ? 'accept' : value === 'r' ? (r.added ? 'remove' : 'reject') : 'clear'} ${describeRelation(r)}`, () => {
      if (r.added) {
        if (value !== 'a') set('added', r.key, undefined);
        return;
      }
      const s = status(r);
      const again = (value === 'a' && (s === 'accepted' || s === 'corrected')) || (value === 'r' && s === 'rejected');
      if (!value || (again && !advance)) {
        set('decisions', r.key, undefined); // a second click undoes
        set('edits', r.key, undefined);
      } else {
        set('decisions', r.key, value);
        if (value === 'r') set('edits', r.key, undefined);
      }
    });
    after(r, next, advance);
  }

  // a new label or novelty for r: a correction of a predicted relation (which accepts it), an edit of an added one
  function correct(r, change) {
    if (!r) return;
    const now = current(r);
    const wanted = { label: change.label !== undefined ? change.label : now.label, novelty: change.novelty !== undefined ? change.novelty || null : now.novelty };
    if (wanted.label === now.label && wanted.novelty === now.novelty && status(r) !== 'todo' && status(r) !== 'rejected') return;
    transaction(`correct ${describeRelation(r)}`, () => {
      if (r.added) {
        set('added', r.key, { ...store.added[r.key], label: wanted.label, novelty: wanted.novelty });
        return;
      }
      const same = wanted.label === r.label && wanted.novelty === (r.novelty || null);
      set('edits', r.key, same ? undefined : wanted);
      set('decisions', r.key, 'a');
    });
    after(r, null, false);
  }

  function cycle(values, value, step) {
    const at = values.indexOf(value);
    return values[(at + step + values.length) % values.length];
  }

  function addRelation(doc, id1, id2, label, novelty) {
    if (id1 === id2) return 'Pick two different entities.';
    if (!label) return 'Pick a label.';
    const pair = [id1, id2].sort().join('\t');
    const existing = doc.rels.find((r) => [r.id1, r.id2].sort().join('\t') === pair);
    if (existing) {
      select(existing, true);
      return `These two entities already have a relation (${current(existing).label}, ${STATUS_WORDS[status(existing)] || 'to do'}): correct that one instead.`;
    }
    const serial = (store.meta.serial || 0) + 1;
    const key = `${doc.index}:+${serial}`;
    transaction(`add ${label} ${id1} \u2013 ${id2}`, () => {
      set('meta', 'serial', serial);
      set('added', key, { id1, id2, label, novelty: novelty || null, serial });
    });
    const rel = relationByKey.get(key);
    if (rel && sequence.includes(rel)) select(rel, false); // its row is where the form is: no need to scroll
    return null;
  }

  function toggleReviewed(doc) {
    if (!doc) return;
    if (doc.rels.length) {
      flash(`${documentName(doc.pmid)} has relations: it is complete once each of them is decided.`);
      return;
    }
    const on = !store.reviewed[doc.index];
    transaction(`${on ? 'mark' : 'unmark'} ${documentName(doc.pmid)} reviewed`, () => set('reviewed', String(doc.index), on || undefined));
  }

  // ---------------------------------------------------------------------------------------------
  // Progress, legend, undo

  function showProgress() {
    const counts = { todo: 0, accepted: 0, corrected: 0, added: 0, rejected: 0 };
    let complete = 0;
    for (const doc of docs) {
      const t = tally(doc);
      for (const name of Object.keys(counts)) counts[name] += t[name];
      if (t.complete) complete += 1;
    }
    const total = predictedRelations.length;
    const decided = counts.accepted + counts.corrected + counts.rejected;
    const width = total || 1;
    byId('progress-accepted').style.width = `${(100 * (counts.accepted + counts.corrected)) / width}%`;
    byId('progress-rejected').style.width = `${(100 * counts.rejected) / width}%`;
    byId('progress').setAttribute('aria-valuenow', String(Math.round((100 * decided) / width)));
    const parts = [`${count(counts.accepted)} accepted`];
    if (counts.corrected) parts.push(`${count(counts.corrected)} corrected`);
    parts.push(`${count(counts.rejected)} rejected`);
    byId('progress-text').textContent = `${count(decided)} of ${plural(total, 'relation')} decided: ${parts.join(', ')}${counts.added ? `; ${count(counts.added)} added` : ''}`;
    byId('documents-text').textContent = `${count(complete)} of ${plural(docs.length, 'document')} complete (every relation decided)`;
    const exported = byId('export-all').checked ? docs.length : complete;
    byId('export-pubtator').textContent = `Reviewed documents as PubTator (${count(exported)})`;
    byId('export-bioc').textContent = `Reviewed documents as BioC JSON (${count(exported)})`;
    byId('export-tsv').textContent = `Their relations as TSV (${count(exported)})`;
    byId('export-decisions').textContent = `All decisions as TSV (${count(decided + counts.added)})`;
  }

  function showUndo() {
    byId('undo').disabled = !history.length;
    byId('redo').disabled = !future.length;
    byId('undo').title = history.length ? `undo: ${history[history.length - 1].what} (u)` : 'nothing to undo';
    byId('redo').title = future.length ? `redo: ${future[future.length - 1].what} (U)` : 'nothing to redo';
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

  // ---------------------------------------------------------------------------------------------
  // Export: the reviewed documents exactly as relclf's writers write them (relclf.io.pubtator, relclf.io.bioc_json,
  // relclf.io.rows), and the decisions file (relclf.curation.decisions)

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
  // a field as Python's csv module writes it with tabs: quoted when it holds a tab, a quote or a line feed
  const tsvField = (value) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[\t\n"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const tsvLine = (fields) => fields.map(tsvField).join('\t');

  // the documents to export: the complete ones, or every one (undecided relations then count as rejected)
  function exported() {
    const all = byId('export-all').checked;
    return docs.filter((doc) => all || tally(doc).complete).map((doc) => ({ doc, gold: goldRelations(doc) }));
  }

  // the writer's compact mention rows in full (for the exports only): the type as written from its position in the
  // document's types, the text from the segments when they spell it
  function mentionRows(doc) {
    const { mentions, types } = doc.data;
    return mentions.map(([type, identifier, start, end, written, text, extra], m) => [type, identifier, start, end, types[written], text === null ? doc.mentionText[m] : text, extra]);
  }

  // relclf.io.pubtator.format_document
  function pubtatorOf(doc, gold) {
    const out = [`${doc.pmid}|t|${doc.titleText}`, `${doc.pmid}|a|${doc.abstractText}`];
    for (const [, identifier, start, end, type, text, extra] of mentionRows(doc)) {
      if (text.includes('\t')) throw new Error(`${documentName(doc.pmid)}: the mention \u201c${text}\u201d holds a tab, which PubTator cannot hold; export BioC JSON instead`);
      const columns = [doc.pmid, String(start), String(end), text, type];
      if (identifier !== null) columns.push(identifier);
      out.push(columns.concat(extra).join('\t'));
    }
    for (const g of gold) out.push([doc.pmid, g.label, g.rel.id1, g.rel.id2].concat(g.novelty !== null ? [g.novelty] : []).join('\t'));
    return `${out.join('\n')}\n\n`;
  }

  // json.dumps(value, ensure_ascii=False) of Python: ", " and ": " separators
  function pyJson(value) {
    if (value === null) return 'null';
    if (typeof value === 'string') return JSON.stringify(value);
    if (typeof value === 'number') return String(value);
    if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`).join(', ')}}`;
  }

  // relclf.io.bioc_document.document_to_bioc, then bioc's toJSON
  function biocOf(doc, gold) {
    const passage = (type, offset, text) => ({ bioctype: 'BioCPassage', offset, infons: { type }, text, sentences: [], annotations: [], relations: [] });
    const title = passage('title', 0, doc.titleText);
    const abstract = passage('abstract', doc.data.tl + 1, doc.abstractText);
    mentionRows(doc).forEach(([, identifier, start, end, type, text, extra], index) => {
      const infons = { type };
      if (identifier !== null) infons.identifier = identifier;
      extra.forEach((value, k) => {
        infons[`column${7 + k}`] = value;
      });
      (start <= doc.data.tl ? title : abstract).annotations.push({ id: String(index), infons, text, locations: [{ offset: start, length: end - start }] });
    });
    const relations = gold.map((g, index) => {
      const infons = { type: g.label, entity1: g.rel.id1, entity2: g.rel.id2 };
      if (g.novelty !== null) infons.novel = g.novelty;
      const nodes = [];
      g.rel.n.forEach((anchor, k) => {
        if (anchor !== null && anchor !== undefined) nodes.push({ refid: String(anchor), role: `entity${k + 1}` });
      });
      return { id: `R${index}`, infons, nodes };
    });
    return pyJson({ bioctype: 'BioCDocument', id: doc.pmid, infons: {}, passages: [title, abstract], annotations: [], relations });
  }

  function today() {
    const now = new Date();
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  }

  // relclf.io.bioc_json.write_bioc_json
  function biocJsonOf(items) {
    const header = pyJson({ bioctype: 'BioCCollection', source: 'relclf', date: today(), key: 'relclf.key', version: '1.0', infons: {} }).slice(0, -1);
    return `${header}, "documents": [\n${items.map(({ doc, gold }) => biocOf(doc, gold)).join(',\n')}\n]}\n`;
  }

  // relclf.io.rows.write_tsv of the reviewed documents (their relations read back from a file: no score, source input)
  function tsvOf(items) {
    const rows = [summary.columns.join('\t')];
    for (const { doc, gold } of items) {
      for (const g of gold) rows.push(tsvLine([doc.pmid, g.rel.id1, g.rel.type1, g.rel.text1, g.rel.id2, g.rel.type2, g.rel.text2, g.label, '', g.novelty || '', INPUT]));
    }
    return lines(rows);
  }

  // relclf.curation.decisions.write_decisions: per document its decided relations, its added ones, and a review mark
  function decisionsOf() {
    const rows = [[...summary.columns, ...summary.decision_columns].join('\t')];
    for (const doc of docs) {
      for (const r of doc.rels) {
        const s = status(r);
        if (s === 'todo') continue;
        const now = current(r);
        const curated = kept(s) ? [now.label, now.novelty || ''] : ['', ''];
        if (r.added) rows.push(tsvLine([doc.pmid, r.id1, r.type1, r.text1, r.id2, r.type2, r.text2, now.label, '', now.novelty || '', CURATOR, s, ...curated]));
        else rows.push(`${r.tsv}\t${tsvLine([s, ...curated])}`);
      }
      if (store.reviewed[doc.index]) rows.push(tsvLine([doc.pmid, ...Array(summary.columns.length - 1).fill(''), 'reviewed', '', '']));
    }
    return lines(rows);
  }

  function exportWith(name, make) {
    const note = byId('export-note');
    try {
      const items = exported();
      download(`${fileBase()}.${name}`, make(items));
      const left = docs.length - items.length;
      note.textContent = `Exported ${plural(items.length, 'document')}${left ? `; ${plural(left, 'document')} with undecided relations left out` : ''}.`;
    } catch (error) {
      note.replaceChildren(el('span', 'warning', String(error.message || error)));
    }
  }

  function exportPubtator() {
    exportWith('reviewed.pubtator', (items) => items.map(({ doc, gold }) => pubtatorOf(doc, gold)).join(''));
  }

  function exportBioc() {
    exportWith('reviewed.json', biocJsonOf);
  }

  function exportTsv() {
    exportWith('reviewed.tsv', tsvOf);
  }

  function exportDecisions() {
    download(`${fileBase()}.decisions.tsv`, decisionsOf());
  }

  // ---------------------------------------------------------------------------------------------
  // Import: decisions files ("All decisions as TSV"), into this page's decisions or as another curator's. Rows are matched
  // by document, IDs and label, so that decisions carry over to a page of other predictions (another model or threshold)

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

  const DECISIONS = ['accepted', 'corrected', 'rejected', 'added', 'reviewed'];

  // the rows of a decisions file as {pmid, id1, id2, label, decision, curatedLabel, curatedNovelty}, or {error}
  function readDecisions(text) {
    const [header, ...raw] = parseTsv(text.replace(/^\ufeff/, ''));
    const column = (name) => (header || []).indexOf(name);
    const needed = ['document', 'id1', 'id2', 'label', 'decision'];
    if (needed.some((name) => column(name) < 0)) return { error: `Not a decisions file: it needs the columns ${needed.join(', ')}.` };
    const hasCurated = column('curated_label') >= 0;
    const get = (row, name) => (column(name) >= 0 ? row[column(name)] || '' : '');
    const rows = [];
    let invalid = 0;
    for (const row of raw) {
      if (!row.some((f) => f)) continue;
      const decision = get(row, 'decision');
      const entry = { pmid: get(row, 'document'), id1: get(row, 'id1'), id2: get(row, 'id2'), label: get(row, 'label'), decision, curatedLabel: null, curatedNovelty: null };
      if (!DECISIONS.includes(decision) || !entry.pmid || (decision !== 'reviewed' && !(entry.id1 && entry.id2 && entry.label))) {
        invalid += 1;
        continue;
      }
      if (decision === 'accepted' || decision === 'corrected' || decision === 'added') {
        entry.curatedLabel = get(row, 'curated_label') || (decision === 'corrected' ? '' : entry.label);
        entry.curatedNovelty = (hasCurated ? get(row, 'curated_novelty') : get(row, 'novelty')) || null;
        if (!entry.curatedLabel) {
          invalid += 1;
          continue;
        }
      }
      rows.push(entry);
    }
    return { rows, invalid };
  }

  const matchKey = (pmid, id1, id2, label) => [pmid, id1, id2, label].join('\t');
  let byContent = null;
  function relationsMatching(row) {
    if (!byContent) {
      byContent = new Map();
      for (const r of predictedRelations) {
        const key = matchKey(r.doc.pmid, r.id1, r.id2, r.label);
        if (!byContent.has(key)) byContent.set(key, []);
        byContent.get(key).push(r);
      }
    }
    return byContent.get(matchKey(row.pmid, row.id1, row.id2, row.label)) || [];
  }
  const pairOf = (id1, id2) => [id1, id2].sort().join('\t');

  // put rows into this page's store (inside a transaction); returns [applied, unmatched]
  function applyRows(rows) {
    let applied = 0;
    let unmatched = 0;
    let serial = store.meta.serial || 0;
    const taken = new Map(docs.map((d) => [d, null]));
    const pairsOf = (doc) => {
      if (!taken.get(doc)) taken.set(doc, new Set(doc.rels.map((r) => pairOf(r.id1, r.id2))));
      return taken.get(doc);
    };
    for (const row of rows) {
      const doc = docByPmid.get(row.pmid);
      if (row.decision === 'reviewed') {
        if (!doc) unmatched += 1;
        else {
          set('reviewed', String(doc.index), true);
          applied += 1;
        }
        continue;
      }
      if (row.decision === 'added') {
        if (!doc || !doc.entityNumber.has(row.id1) || !doc.entityNumber.has(row.id2) || row.id1 === row.id2 || pairsOf(doc).has(pairOf(row.id1, row.id2))) {
          unmatched += 1;
          continue;
        }
        serial += 1;
        pairsOf(doc).add(pairOf(row.id1, row.id2));
        set('added', `${doc.index}:+${serial}`, { id1: row.id1, id2: row.id2, label: row.curatedLabel, novelty: row.curatedNovelty, serial });
        applied += 1;
        continue;
      }
      const matches = relationsMatching(row);
      if (!matches.length) {
        unmatched += 1;
        continue;
      }
      for (const r of matches) {
        const keep = row.decision !== 'rejected';
        set('decisions', r.key, keep ? 'a' : 'r');
        const same = !keep || (row.curatedLabel === r.label && row.curatedNovelty === (r.novelty || null));
        set('edits', r.key, same ? undefined : { label: row.curatedLabel, novelty: row.curatedNovelty });
      }
      applied += 1;
    }
    set('meta', 'serial', serial);
    return [applied, unmatched];
  }

  function importDecisions(text) {
    const parsed = readDecisions(text);
    if (parsed.error) return parsed.error;
    let result = [0, 0];
    transaction(`import ${plural(parsed.rows.length, 'decision')}`, () => {
      result = applyRows(parsed.rows);
    });
    const [applied, unmatched] = result;
    const other = unmatched + parsed.invalid;
    return `Imported ${plural(applied, 'decision')}${other ? `; ${count(other)} matched no relation of this page` : ''}.`;
  }

  // ---------------------------------------------------------------------------------------------
  // Curators: several decisions files side by side, their disagreements and their agreement

  const curators = [];

  function loadCurator(name, text) {
    const parsed = readDecisions(text);
    if (parsed.error) return `${name}: ${parsed.error}`;
    const curator = { name, letter: String.fromCharCode(65 + curators.length), decided: new Map(), added: new Map(), reviewed: new Set(), unmatched: parsed.invalid, rows: parsed.rows };
    for (const row of parsed.rows) {
      const doc = docByPmid.get(row.pmid);
      if (row.decision === 'reviewed' || row.decision === 'added') {
        if (!doc) {
          curator.unmatched += 1;
          continue;
        }
        if (row.decision === 'reviewed') curator.reviewed.add(doc.index);
        else {
          if (!curator.added.has(doc.index)) curator.added.set(doc.index, []);
          curator.added.get(doc.index).push({ id1: row.id1, id2: row.id2, label: row.curatedLabel, novelty: row.curatedNovelty });
        }
        continue;
      }
      const matches = relationsMatching(row);
      if (!matches.length) curator.unmatched += 1;
      for (const r of matches) curator.decided.set(r.key, { s: row.decision, label: row.curatedLabel, novelty: row.curatedNovelty });
    }
    curators.push(curator);
    return null;
  }

  const outcome = (d) => (d.s === 'rejected' ? 'rejected' : `${d.label}\t${d.novelty || ''}`);

  function disagreement(r) {
    if (curators.length < 2 || r.added) return false;
    const outcomes = curators.map((c) => c.decided.get(r.key)).filter(Boolean).map(outcome);
    return outcomes.length > 1 && new Set(outcomes).size > 1;
  }

  // the relations curators added to a document, by pair, with who added each and how
  function proposals(doc) {
    const found = new Map();
    for (const c of curators) {
      for (const a of c.added.get(doc.index) || []) {
        const pair = pairOf(a.id1, a.id2);
        if (!found.has(pair)) found.set(pair, { id1: a.id1, id2: a.id2, by: [] });
        found.get(pair).by.push({ c, label: a.label, novelty: a.novelty });
      }
    }
    return [...found.values()];
  }

  function proposalsDisagree(doc) {
    if (curators.length < 2) return false;
    return proposals(doc).some((p) => p.by.length < curators.length || new Set(p.by.map((b) => `${b.label}\t${b.novelty || ''}`)).size > 1);
  }

  function curatorChips(r) {
    if (!curators.length || r.added) return [];
    const against = disagreement(r);
    return curators.filter((c) => c.decided.has(r.key)).map((c) => {
      const d = c.decided.get(r.key);
      const mark = d.s === 'rejected' ? '\u2717' : d.s === 'corrected' ? `\u270e ${d.label}` : `\u2713 ${d.label}`;
      const chip = el('span', `chip${against ? ' disagree' : ''}`, `${c.letter} ${mark}`);
      chip.title = `${c.name}: ${d.s}${d.s === 'rejected' ? '' : ` ${d.label}${d.novelty ? `, novelty ${d.novelty}` : ''}`}`;
      return chip;
    });
  }

  function proposalList(doc) {
    const found = proposals(doc);
    if (!found.length) return null;
    const box = el('div', 'proposals');
    box.append(el('p', 'hint', 'Added by curators:'));
    const names = (id) => {
      const n = doc.entityNumber.get(id);
      return n === undefined ? id : doc.data.entities[n][4] || id;
    };
    for (const p of found) {
      const line = el('p', `proposal${curators.length > 1 && (p.by.length < curators.length || new Set(p.by.map((b) => b.label)).size > 1) ? ' disagree' : ''}`);
      line.append(`${names(p.id1)} \u2013 ${names(p.id2)}: `, p.by.map((b) => `${b.c.letter} ${b.label}${b.novelty ? ` (${b.novelty})` : ''}`).join(' \u00b7 '), ' ');
      const present = doc.rels.some((r) => pairOf(r.id1, r.id2) === pairOf(p.id1, p.id2));
      if (!present && doc.entityNumber.has(p.id1) && doc.entityNumber.has(p.id2)) {
        const add = el('button', 'adopt-proposal', 'add');
        add.type = 'button';
        add.addEventListener('click', () => {
          const message = addRelation(doc, p.id1, p.id2, p.by[0].label, p.by[0].novelty);
          if (message) flash(message);
        });
        line.append(add);
      }
      box.append(line);
    }
    return box;
  }

  function curatorComplete(c, doc) {
    return doc.predicted.every((r) => c.decided.has(r.key)) && (doc.predicted.length > 0 || (c.added.get(doc.index) || []).length > 0 || c.reviewed.has(doc.index));
  }

  function curatorGold(c, doc) {
    const gold = doc.predicted.filter((r) => c.decided.has(r.key) && c.decided.get(r.key).s !== 'rejected').map((r) => ({ id1: r.id1, id2: r.id2, label: c.decided.get(r.key).label, novelty: c.decided.get(r.key).novelty }));
    return gold.concat(c.added.get(doc.index) || []);
  }

  // the keys relclf.evaluation.metrics compares at each level: the unordered pair, with the label, with the novelty too
  function levelKeys(relations, level) {
    return new Set(relations.map((g) => [pairOf(g.id1, g.id2), level === 'pair' ? '' : g.label, level === 'novelty' ? g.novelty || '' : ''].join('\n')));
  }

  // how far curator b agrees with curator a: per relation both decided (accept/reject agreement, Cohen's kappa, labels of
  // those both kept), and P/R/F1 of b's relations against a's, as `relclf score A B` computes them, on the documents complete for both
  function agreement(a, b) {
    let both = 0;
    let agree = 0;
    let aKeeps = 0;
    let bKeeps = 0;
    let bothKept = 0;
    let sameLabel = 0;
    for (const r of predictedRelations) {
      const [da, db] = [a.decided.get(r.key), b.decided.get(r.key)];
      if (!da || !db) continue;
      both += 1;
      const [ka, kb] = [da.s !== 'rejected', db.s !== 'rejected'];
      if (ka === kb) agree += 1;
      if (ka) aKeeps += 1;
      if (kb) bKeeps += 1;
      if (ka && kb) {
        bothKept += 1;
        if (da.label === db.label) sameLabel += 1;
      }
    }
    const observed = both ? agree / both : null;
    const [pa, pb] = [both ? aKeeps / both : 0, both ? bKeeps / both : 0];
    const expected = pa * pb + (1 - pa) * (1 - pb);
    const kappa = both && expected < 1 ? (observed - expected) / (1 - expected) : null;
    const levels = {};
    let documents = 0;
    for (const level of ['pair', 'type', 'novelty']) levels[level] = { tp: 0, fp: 0, fn: 0 };
    for (const doc of docs) {
      if (!curatorComplete(a, doc) || !curatorComplete(b, doc)) continue;
      documents += 1;
      const [ga, gb] = [curatorGold(a, doc), curatorGold(b, doc)];
      for (const level of Object.keys(levels)) {
        const [ka, kb] = [levelKeys(ga, level), levelKeys(gb, level)];
        const tp = [...kb].filter((k) => ka.has(k)).length;
        levels[level].tp += tp;
        levels[level].fp += kb.size - tp;
        levels[level].fn += ka.size - tp;
      }
    }
    for (const c of Object.values(levels)) {
      c.p = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
      c.r = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
      c.f1 = c.p + c.r ? (2 * c.p * c.r) / (c.p + c.r) : 0;
    }
    return { both, agree, observed, kappa, bothKept, sameLabel, documents, levels };
  }

  const fixed = (x, digits = 3) => (x === null || x === undefined ? '\u2014' : x.toFixed(digits));
  const percent = (x) => (x === null ? '\u2014' : `${(100 * x).toFixed(1)}%`);

  function showCurators() {
    const box = byId('agreement');
    box.replaceChildren();
    if (!curators.length) return;
    const list = el('ul', 'curator-list');
    for (const c of curators) {
      const item = el('li');
      item.append(el('strong', null, c.letter), ` ${c.name}: ${plural(c.rows.length, 'decision')}`, c.unmatched ? ` (${count(c.unmatched)} matched nothing here)` : '', ' ');
      const adopt = el('button', 'adopt', `adopt ${c.letter}'s decisions`);
      adopt.type = 'button';
      adopt.dataset.curator = c.letter;
      adopt.addEventListener('click', () => {
        transaction(`adopt ${c.letter}'s decisions`, () => applyRows(c.rows));
      });
      item.append(adopt);
      list.append(item);
    }
    box.append(list);
    for (let i = 0; i < curators.length; i += 1) {
      for (let j = i + 1; j < curators.length; j += 1) {
        const [a, b] = [curators[i], curators[j]];
        const g = agreement(a, b);
        const table = el('table', 'agreement');
        table.dataset.pair = `${a.letter}${b.letter}`;
        table.append(el('caption', null, `${a.letter} and ${b.letter}`));
        const rows = [
          ['relations both decided', count(g.both), 'both'],
          ['accept/reject agreement', `${percent(g.observed)} (${count(g.agree)})`, 'observed'],
          ["Cohen's kappa", fixed(g.kappa), 'kappa'],
          ['same label, both accepted', `${count(g.sameLabel)} of ${count(g.bothKept)}`, 'labels'],
          ['documents complete for both', count(g.documents), 'documents'],
        ];
        for (const level of ['pair', 'type', 'novelty']) {
          const c = g.levels[level];
          rows.push([`${level} P / R / F1 (${b.letter} against ${a.letter})`, `${fixed(c.p)} / ${fixed(c.r)} / ${fixed(c.f1)}`, level]);
        }
        for (const [name, value, key] of rows) {
          const row = el('tr');
          row.dataset.figure = key;
          row.append(el('th', null, name), el('td', null, value));
          table.append(row);
        }
        box.append(table);
      }
    }
    const disagree = byId('status-disagree');
    disagree.hidden = curators.length < 2;
    const n = predictedRelations.filter(disagreement).length;
    const m = docs.filter(proposalsDisagree).length;
    disagree.querySelector('.count').textContent = curators.length < 2 ? '' : ` (${count(n)}${m ? `, and added relations in ${plural(m, 'document')}` : ''})`;
  }

  function compareFiles(files) {
    Promise.all([...files].map((file) => file.text().then((text) => [file.name, text]))).then((loaded) => {
      const problems = loaded.map(([name, text]) => loadCurator(name, text)).filter(Boolean);
      byId('compare-note').textContent = problems.join(' ') || `${plural(curators.length, 'curator')} loaded.`;
      showCurators();
      for (const doc of docs) if (doc.rendered) render(doc);
      refresh();
    });
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

  function readFiles(input, use) {
    input.addEventListener('change', () => {
      if (!input.files.length) return;
      use(input.files);
      input.value = '';
    });
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
    byId('export-bioc').addEventListener('click', exportBioc);
    byId('export-tsv').addEventListener('click', exportTsv);
    byId('export-decisions').addEventListener('click', exportDecisions);
    byId('export-all').addEventListener('change', showProgress);
    byId('undo').addEventListener('click', undo);
    byId('redo').addEventListener('click', redo);
    byId('import').addEventListener('click', () => byId('import-file').click());
    readFiles(byId('import-file'), (files) => {
      files[0].text().then((text) => {
        byId('import-note').textContent = importDecisions(text);
      });
    });
    byId('compare').addEventListener('click', () => byId('compare-files').click());
    readFiles(byId('compare-files'), compareFiles);
    byId('clear').addEventListener('click', () => {
      transaction('clear every decision', () => {
        for (const name of STORES) for (const key of Object.keys(store[name])) if (name !== 'meta') set(name, key, undefined);
      });
      flash('Every decision cleared (u undoes it).');
    });
    const help = byId('help');
    byId('help-button').addEventListener('click', () => help.showModal());
    byId('help-close').addEventListener('click', () => help.close());
    docsBox.addEventListener('click', onDocsClick);
    docsBox.addEventListener('change', onDocsChange);
    docsBox.addEventListener('mouseover', (event) => hoverEntity(event, true));
    docsBox.addEventListener('mouseout', (event) => hoverEntity(event, false));
    document.addEventListener('keydown', onKey);
    window.addEventListener('storage', (event) => {
      if (event.key !== storageKey) return;
      store = loadStore();
      for (const doc of docs) syncAdded(doc);
      showProgress();
      showUndo();
      refresh();
    });
  }

  function onDocsClick(event) {
    const article = event.target.closest('article.doc');
    if (!article) return;
    const doc = docs[Number(article.dataset.position)];
    if (event.target.closest('button.reviewed-toggle')) {
      toggleReviewed(doc);
      return;
    }
    const span = event.target.closest('.m');
    if (span && span.dataset.m && doc.form.open) {
      pickMention(doc, span);
      return;
    }
    const row = event.target.closest('tr.rel');
    if (!row) return;
    const r = relationByKey.get(row.dataset.key);
    const button = event.target.closest('button[data-act]');
    if (button) {
      if (selected !== r) select(r, false);
      decide(r, button.dataset.act, false);
      return;
    }
    if (event.target.closest('select')) {
      if (selected !== r) select(r, false);
      return;
    }
    select(r, true);
  }

  function onDocsChange(event) {
    const pick = event.target.closest('select.label-pick, select.novelty-pick');
    if (!pick) return;
    const r = relationByKey.get(pick.closest('tr.rel').dataset.key);
    if (selected !== r) select(r, false);
    correct(r, pick.classList.contains('label-pick') ? { label: pick.value } : { novelty: pick.value || null });
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
    if (target.closest && target.closest('input, select, textarea, [contenteditable], details.add')) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    if (byId('help').open) return;
    const relation = () => selected;
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      n: () => moveDocument(1),
      p: () => moveDocument(-1),
      a: () => decide(relation(), 'a', true),
      r: () => decide(relation(), 'r', true),
      c: () => decide(relation(), null, false),
      u: undo,
      U: redo,
      l: () => relation() && correct(relation(), { label: cycle(labelChoices, current(relation()).label, 1) }),
      L: () => relation() && correct(relation(), { label: cycle(labelChoices, current(relation()).label, -1) }),
      v: () => relation() && correct(relation(), { novelty: cycle(noveltyChoices, current(relation()).novelty || NO_NOVELTY, 1) }),
      V: () => relation() && correct(relation(), { novelty: cycle(noveltyChoices, current(relation()).novelty || NO_NOVELTY, -1) }),
      '+': () => currentDocument() && openAddForm(currentDocument()),
      '=': () => currentDocument() && openAddForm(currentDocument()),
      d: () => toggleReviewed(currentDocument()),
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
  byId('overview').textContent = `${plural(summary.documents, 'document')} \u00b7 ${plural(predictedRelations.length, 'relation')} \u00b7 relclf ${summary.version}`;
  document.title = `relclf review: ${plural(summary.documents, 'document')}, ${plural(predictedRelations.length, 'relation')}`;
  for (const doc of docs) syncAdded(doc);
  buildChoices();
  buildLegend();
  createDocumentElements();
  wire();
  showStorage();
  showProgress();
  showUndo();
  refresh();
  for (const doc of docs) observer.observe(doc.el);
  document.body.dataset.ready = 'true';
})();
