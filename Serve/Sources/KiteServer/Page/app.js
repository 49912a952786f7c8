// Kite's search page: plain JavaScript, no framework, nothing fetched but this server's own API.
//
// Safety: document and query text only ever reaches the page through textContent and createElement (never
// innerHTML), and only http(s) URLs from a document become links.
//
// State lives in the URL (?q=…&period=…&from=…&to=…&sort=…&offset=…&doc=…&at=…), so reload, back/forward and
// sharing a link work. <main> carries data-state (idle|loading|done|error) and data-seq (bumped each time a load
// finishes, with results or an error) for tests to wait on.
'use strict';

(() => {
  const PAGE_SIZE = 10;
  const MAX_WINDOW = 10000; // the server's offset + limit bound
  const EXAMPLES = ['新质生产力', '高质量发展', '"营商环境"', '升规纳统'];
  const SORTS = ['score', 'newest', 'oldest'];

  const $ = (id) => document.getElementById(id);
  const ui = {
    main: $('main'), form: $('search-form'), q: $('q'), from: $('from'), to: $('to'), sort: $('sort'),
    error: $('error'), intro: $('intro'), introCount: $('intro-count'), examples: $('examples'),
    results: $('results-view'), total: $('total'), totalContext: $('total-context'),
    chartSection: $('chart-section'), chart: $('chart'), clearPeriod: $('clear-period'),
    hits: $('hits'), relatedBlock: $('related-block'), relatedHits: $('related-hits'),
    pager: $('pager'), prev: $('prev'), next: $('next'), pageInfo: $('page-info'),
    doc: $('doc-view'), docBack: $('doc-back'), docTitle: $('doc-title'), docKicker: $('doc-kicker'),
    docFields: $('doc-fields'), docPassages: $('doc-passages'), docMatchCount: $('doc-match-count'),
    docPrevMatch: $('doc-prev-match'), docNextMatch: $('doc-next-match'), brand: $('brand'),
  };

  // ---------------------------------------------------------------------------------------------- small helpers

  /** An element with attributes (`text` sets textContent, `class` the class) and children (nodes or strings). */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  const plural = (n, one, many) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

  /**
   * `chars` (an array of code points, or of their display forms) from `from` on, with `spans` (start/end in code
   * points, as the API gives them) wrapped in <mark>. Overlapping spans are merged; out-of-range ones clipped.
   */
  function highlighted(chars, spans, from = 0) {
    const fragment = document.createDocumentFragment();
    const sorted = (spans || [])
      .map((s) => [Math.max(from, s.start | 0), Math.min(chars.length, s.end | 0)])
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    const merged = [];
    for (const span of sorted) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span.slice());
    }
    let at = from;
    for (const [a, b] of merged) {
      if (a > at) fragment.append(document.createTextNode(chars.slice(at, a).join('')));
      fragment.append(h('mark', { text: chars.slice(a, b).join('') }));
      at = b;
    }
    if (at < chars.length) fragment.append(document.createTextNode(chars.slice(at).join('')));
    return fragment;
  }

  // ---------------------------------------------------------------------------------------------- periods

  /** A period as {year, first month, last month} (`2023`, `2023H1`, `2023Q3`, `2023-09`), or null. */
  function parsePeriod(text) {
    const m = /^(\d{4})(?:([HhQq])(\d)|-(\d{2}))?$/.exec(text || '');
    if (!m) return null;
    const year = Number(m[1]);
    if (m[2]) {
      const n = Number(m[3]);
      if (/[Hh]/.test(m[2])) return n >= 1 && n <= 2 ? { year, lo: n * 6 - 5, hi: n * 6 } : null;
      return n >= 1 && n <= 4 ? { year, lo: n * 3 - 2, hi: n * 3 } : null;
    }
    if (m[4]) {
      const n = Number(m[4]);
      return n >= 1 && n <= 12 ? { year, lo: n, hi: n } : null;
    }
    return { year, lo: 1, hi: 12 };
  }

  /** Whether filtering on `outer` takes in `inner`: periods nest (`2023` takes in `2023Q3`), as in the engine. */
  function periodContains(outer, inner) {
    if (outer === inner) return true;
    const a = parsePeriod(outer), b = parsePeriod(inner);
    return !!(a && b && a.year === b.year && a.lo <= b.lo && b.hi <= a.hi);
  }

  // ---------------------------------------------------------------------------------------------- state and URL

  const EMPTY = { q: '', period: '', from: '', to: '', sort: 'score', offset: 0, doc: '', at: '' };

  function stateFromURL() {
    const p = new URLSearchParams(location.search);
    const s = { ...EMPTY };
    for (const key of ['q', 'period', 'from', 'to', 'doc', 'at']) s[key] = p.get(key) || '';
    s.sort = SORTS.includes(p.get('sort')) ? p.get('sort') : 'score';
    const offset = parseInt(p.get('offset') || '0', 10);
    s.offset = Number.isFinite(offset) && offset > 0 ? Math.min(offset, MAX_WINDOW - PAGE_SIZE) : 0;
    return s;
  }

  function urlFor(s) {
    const p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    if (s.period) p.set('period', s.period);
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
    if (s.sort && s.sort !== 'score') p.set('sort', s.sort);
    if (s.offset) p.set('offset', String(s.offset));
    if (s.doc) p.set('doc', s.doc);
    if (s.doc && s.at && s.at !== s.doc) p.set('at', s.at);
    const query = p.toString();
    return query ? `${location.pathname}?${query}` : location.pathname;
  }

  let current = { ...EMPTY };

  /** Goes to state `s`: a new history entry (or a replaced one), then shows it. */
  function navigate(s, { replace = false, entry = {} } = {}) {
    const url = urlFor(s);
    if (replace || url === location.pathname + location.search) history.replaceState(entry, '', url);
    else history.pushState(entry, '', url);
    show(s);
  }

  // ---------------------------------------------------------------------------------------------- the API

  class APIError extends Error {
    constructor(message, status, position) {
      super(message);
      this.status = status;
      this.position = position;
    }
  }

  /** GET `path` with `params` (empty ones left out), as JSON; an API error becomes an APIError with its message. */
  async function api(path, params, signal) {
    const query = Object.entries(params || {})
      .filter(([, v]) => v !== '' && v !== undefined && v !== null)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    let response;
    try {
      response = await fetch(query ? `${path}?${query}` : path, { signal, headers: { Accept: 'application/json' } });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new APIError('The server could not be reached. Is kite serve still running?', 0);
    }
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      const e = body && body.error;
      const message = e && typeof e.message === 'string' ? e.message : `The server answered ${response.status}.`;
      throw new APIError(message, response.status, e ? e.position : undefined);
    }
    if (!body || typeof body !== 'object') throw new APIError('The server sent an unreadable answer.', response.status);
    return body;
  }

  // ---------------------------------------------------------------------------------------------- load bookkeeping

  let seq = 0;
  function setLoading() {
    ui.main.dataset.state = 'loading';
    ui.main.setAttribute('aria-busy', 'true');
  }
  function finished(state) {
    seq += 1;
    ui.main.dataset.state = state;
    ui.main.dataset.seq = String(seq);
    ui.main.removeAttribute('aria-busy');
  }

  function showError(error, s) {
    ui.error.replaceChildren();
    const isQuery = error.status === 400 && s && s.q;
    ui.error.append(h('strong', { text: isQuery ? 'This search could not be run. ' : 'Something went wrong. ' }));
    ui.error.append(h('span', { 'data-testid': 'error-message', text: error.message }));
    // Point into the query when the server says where the problem is.
    if (isQuery && Number.isInteger(error.position)) {
      const chars = Array.from(s.q);
      if (error.position >= 0 && error.position <= chars.length) {
        const at = Math.min(error.position, Math.max(chars.length - 1, 0));
        const pre = h('code', { class: 'error-query', lang: 'zh-Hans' });
        pre.append(document.createTextNode(chars.slice(0, at).join('')));
        pre.append(h('span', { class: 'error-at', text: chars[at] || ' ' }));
        pre.append(document.createTextNode(chars.slice(at + 1).join('')));
        ui.error.append(h('div', {}, pre));
      }
    }
    ui.error.hidden = false;
  }
  function clearError() {
    ui.error.hidden = true;
    ui.error.replaceChildren();
  }

  // ---------------------------------------------------------------------------------------------- search

  let searchController = null;
  let shownSearchKey = null; // what the results view shows now
  let chartCache = { key: null, data: null };

  const searchKey = (s) => JSON.stringify([s.q, s.period, s.period ? '' : s.from, s.period ? '' : s.to, s.sort, s.offset]);
  const chartKey = (s) => JSON.stringify([s.q, s.from, s.to]);

  async function runSearch(s) {
    if (searchController) searchController.abort();
    const controller = new AbortController();
    searchController = controller;
    setLoading();
    const params = { q: s.q, limit: PAGE_SIZE, offset: s.offset || '', sort: s.sort === 'score' ? '' : s.sort };
    // The API takes a period or a range: a period chosen from the chart lies within the range already.
    if (s.period) params.period = s.period;
    else Object.assign(params, { from: s.from, to: s.to });
    try {
      const resultsPromise = api('/search', params, controller.signal);
      // The chart shows the query's periods without the period filter (within the range, if one is set).
      let chartPromise;
      if (!s.period) chartPromise = resultsPromise;
      else if (chartCache.key === chartKey(s)) chartPromise = Promise.resolve(chartCache.data);
      else chartPromise = api('/search', { q: s.q, limit: 0, from: s.from, to: s.to }, controller.signal);
      const [results, chartData] = await Promise.all([resultsPromise, chartPromise]);
      if (controller !== searchController) return;
      chartCache = { key: chartKey(s), data: { totalHits: chartData.totalHits, periods: chartData.periods } };
      clearError();
      renderResults(results, chartCache.data, s);
      shownSearchKey = searchKey(s);
      finished('done');
    } catch (error) {
      if (error.name === 'AbortError' || controller !== searchController) return;
      shownSearchKey = null;
      ui.results.hidden = true;
      showError(error, s);
      finished('error');
    }
  }

  function renderResults(results, chartData, s) {
    const hits = Array.isArray(results.hits) ? results.hits : [];
    const total = results.totalHits | 0;
    ui.results.hidden = false;

    ui.total.dataset.count = String(total);
    ui.total.textContent = total === 0 ? 'No documents match'
      : total === 1 ? '1 document matches' : `${plural(total, 'document', 'documents')} match`;
    const context = [];
    if (s.period) {
      const nested = (chartData.periods || []).map((p) => p.period)
        .filter((p) => p !== s.period && periodContains(s.period, p));
      context.push(`in ${s.period}${nested.length ? ` (with ${nested.join(', ')})` : ''}`);
    } else if (s.from || s.to) {
      context.push(s.from && s.to ? `from ${s.from} to ${s.to}` : s.from ? `from ${s.from} on` : `up to ${s.to}`);
    }
    if (s.sort !== 'score') context.push(s.sort === 'newest' ? 'newest first' : 'oldest first');
    ui.totalContext.textContent = context.join(' · ');

    renderChart(chartData, s);

    const exact = hits.filter((hit) => hit.match !== 'related');
    const related = hits.filter((hit) => hit.match === 'related');
    ui.hits.replaceChildren(...exact.map((hit) => renderHit(hit, s)));
    ui.relatedHits.replaceChildren(...related.map((hit) => renderHit(hit, s)));
    ui.hits.hidden = exact.length === 0;
    ui.relatedBlock.hidden = related.length === 0;
    if (exact.length) ui.hits.setAttribute('start', String(exact[0].rank || s.offset + 1));
    if (related.length) ui.relatedHits.setAttribute('start', String(related[0].rank || 1));

    // Pages go through the counted (matching) documents.
    const first = s.offset + 1;
    const last = Math.min(s.offset + exact.length, total);
    const hasPrev = s.offset > 0;
    const hasNext = s.offset + PAGE_SIZE < total && s.offset + 2 * PAGE_SIZE <= MAX_WINDOW;
    ui.pager.hidden = !hasPrev && !hasNext;
    ui.prev.disabled = !hasPrev;
    ui.next.disabled = !hasNext;
    ui.pageInfo.textContent = exact.length ? `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`
      : `page ${Math.floor(s.offset / PAGE_SIZE) + 1}`;
  }

  function renderChart(chartData, s) {
    const periods = (chartData.periods || []).filter((p) => p && typeof p.period === 'string');
    const counted = periods.reduce((sum, p) => sum + (p.count | 0), 0);
    const noPeriod = Math.max(0, (chartData.totalHits | 0) - counted);
    const bars = periods.map((p) => ({ period: p.period, count: p.count | 0 }));
    if (noPeriod > 0) bars.push({ period: null, count: noPeriod });
    ui.chartSection.hidden = bars.length === 0;
    ui.clearPeriod.hidden = !s.period;
    ui.chart.classList.toggle('filtered', !!s.period);
    ui.chart.classList.toggle('many', bars.length > 12);
    const max = Math.max(1, ...bars.map((b) => b.count));
    ui.chart.replaceChildren(...bars.map((bar) => {
      const selected = !!(s.period && bar.period && periodContains(s.period, bar.period));
      const documents = plural(bar.count, 'document', 'documents');
      const fill = h('span', { class: 'bar-fill' });
      fill.style.width = `${Math.max(1, (bar.count / max) * 100)}%`;
      const parts = [
        h('span', { class: 'bar-label', text: bar.period === null ? 'no period' : bar.period }),
        h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'bar-count', text: bar.count.toLocaleString('en-US') }),
      ];
      if (bar.period === null) {
        return h('div', {
          class: 'bar bar-none', 'data-testid': 'bar', 'data-period': '', 'data-count': bar.count,
          role: 'img', 'aria-label': `No period: ${documents} (cannot be filtered)`,
          title: 'Documents without a period (they cannot be filtered by period)',
        }, ...parts);
      }
      const button = h('button', {
        type: 'button', class: `bar${selected ? ' selected' : ''}`, 'data-testid': 'bar',
        'data-period': bar.period, 'data-count': bar.count, 'aria-pressed': selected ? 'true' : 'false',
        'aria-label': `${bar.period}: ${documents}${selected ? ', shown (press to show all periods)' : ''}`,
        title: selected ? 'Show all periods' : `Show only ${bar.period}`,
      }, ...parts);
      button.addEventListener('click', () => {
        navigate({ ...current, period: s.period === bar.period ? '' : bar.period, offset: 0, doc: '', at: '' });
      });
      return button;
    }));
  }

  function fieldText(fields, name) {
    const value = fields && fields[name];
    return typeof value === 'string' ? value : '';
  }

  function renderHit(hit, s) {
    const fields = hit.fields || {};
    const highlights = hit.highlights || {};
    const where = fieldText(fields, 'department') || fieldText(fields, 'province');
    const period = fieldText(fields, 'period');
    const related = hit.match === 'related';
    const id = typeof hit.id === 'string' ? hit.id : '';
    const documentId = typeof hit.documentId === 'string' ? hit.documentId : id;

    const meta = h('p', { class: 'hit-meta' },
      h('span', { class: 'rank', 'aria-label': `rank ${hit.rank}`, text: String(hit.rank) }),
      where ? h('span', { class: 'where', 'data-testid': 'hit-department', text: where }) : null,
      h('span', { class: `period${period ? '' : ' none'}`, 'data-testid': 'hit-period', text: period || 'no period' }),
      h('span', { class: 'hit-id', 'data-testid': 'hit-id', lang: 'und', text: id }),
      related ? h('span', { class: 'badge', text: 'related · does not contain the query' }) : null);

    const title = fieldText(fields, 'title') || documentId || '(untitled)';
    const link = h('a', { class: 'hit-title', 'data-testid': 'hit-title', href: urlFor({ ...s, doc: documentId, at: id }) });
    link.append(fieldText(fields, 'title') ? highlighted(Array.from(title), highlights.title) : document.createTextNode(title));
    link.addEventListener('click', (event) => openDocument(event, documentId, id));

    const snippet = hit.snippet && typeof hit.snippet.text === 'string' ? hit.snippet : null;
    const text = h('p', { class: 'snippet', 'data-testid': 'hit-snippet' });
    if (snippet) text.append(highlighted(Array.from(snippet.text), snippet.highlights));
    else text.append(highlighted(Array.from(fieldText(fields, 'body')).slice(0, 160), highlights.body));

    const more = (hit.matchingPassages | 0) - 1;
    let moreNote = null;
    if (more > 0) {
      const moreLink = h('a', { class: 'more', 'data-testid': 'hit-more', href: urlFor({ ...s, doc: documentId, at: id }),
        text: `${plural(more, 'more matching passage', 'more matching passages')} in this document` });
      moreLink.addEventListener('click', (event) => openDocument(event, documentId, id));
      moreNote = h('p', { class: 'more-note' }, moreLink);
    }

    return h('li', {
      class: `hit${related ? ' related' : ''}`, 'data-testid': 'hit', 'data-id': id, 'data-document-id': documentId,
      'data-period': period, 'data-match': related ? 'related' : 'exact',
    }, meta, h('h3', {}, link), text, moreNote);
  }

  // ---------------------------------------------------------------------------------------------- document view

  let docController = null;
  let shownDocKey = null;
  let matchIndex = -1;

  function openDocument(event, documentId, passageId) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    // Remember where the results were, for the way back.
    history.replaceState({ ...(history.state || {}), scrollY: window.scrollY, focusId: passageId }, '');
    navigate({ ...current, doc: documentId, at: passageId }, { entry: { fromResults: true } });
  }

  function backToResults() {
    if (history.state && history.state.fromResults) history.back();
    else navigate({ ...current, doc: '', at: '' });
  }

  /**
   * Display forms of a text's code points: runs of line breaks (with the blanks around them) become one line
   * break; a body hard-wrapped at a fixed width (text extracted from PDF columns) is joined back into one paragraph.
   */
  function displayChars(text) {
    const chars = Array.from(text);
    const out = chars.slice();
    const lines = text.split('\n').map((line) => Array.from(line).length);
    const body = lines.slice(0, -1).filter((n) => n > 0);
    let wrapped = false;
    if (body.length >= 3) {
      const sorted = body.slice().sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      const near = body.filter((n) => n >= median - 5 && n <= median + 6).length;
      wrapped = median >= 10 && median <= 32 && near >= 0.75 * body.length;
    }
    const blank = (c) => c === '\n' || c === '\r' || c === ' ' || c === '\t' || c === '\u3000';
    for (let i = 0; i < chars.length; i++) {
      if (!blank(chars[i])) continue;
      let j = i;
      while (j < chars.length && blank(chars[j])) j++;
      const run = chars.slice(i, j);
      if (run.includes('\n')) {
        let replacement = '\n';
        if (wrapped) {
          const before = chars[i - 1] || '', after = chars[j] || '';
          replacement = /[A-Za-z0-9]/.test(before) && /[A-Za-z0-9]/.test(after) ? ' ' : '';
        }
        // Keep a paragraph's leading full-width indent out: the layout indents nothing, consistently.
        for (let k = i; k < j; k++) out[k] = '';
        out[i] = i === 0 || j === chars.length ? '' : replacement;
      }
      i = j - 1;
    }
    return out;
  }

  const DOC_FIELD_ORDER = ['department', 'province', 'period', 'date', 'kind', 'report', 'section', 'source', 'category', 'url'];

  async function loadDocument(s) {
    if (docController) docController.abort();
    const controller = new AbortController();
    docController = controller;
    setLoading();
    try {
      const doc = await api(`/documents/${encodeURIComponent(s.doc)}`, { q: s.q }, controller.signal);
      if (controller !== docController) return;
      clearError();
      renderDocument(doc, s);
      shownDocKey = JSON.stringify([s.doc, s.q]);
      finished('done');
      placeDocument(s);
    } catch (error) {
      if (error.name === 'AbortError' || controller !== docController) return;
      shownDocKey = null;
      ui.docTitle.textContent = 'Document not available';
      ui.docKicker.textContent = s.doc;
      ui.docFields.replaceChildren();
      ui.docPassages.replaceChildren();
      ui.docMatchCount.textContent = '';
      showError(error, null);
      finished('error');
    }
  }

  function renderDocument(doc, s) {
    const passages = Array.isArray(doc.passages) ? doc.passages : [];
    const first = (passages[0] && passages[0].fields) || {};
    const docTitle = fieldText(first, 'title') || String(doc.id || s.doc);
    ui.doc.dataset.id = String(doc.id || s.doc);

    const where = fieldText(first, 'department') || fieldText(first, 'province');
    ui.docKicker.textContent = [where, fieldText(first, 'period') || 'no period', String(doc.id || s.doc)].filter(Boolean).join(' · ');
    ui.docTitle.replaceChildren(highlighted(Array.from(docTitle), passages[0] && passages[0].highlights && passages[0].highlights.title));

    // The document's fields (other than its text), as the first passage has them.
    const rows = [];
    const names = Object.keys(first).filter((k) => k !== 'title' && k !== 'body' && typeof first[k] === 'string' && first[k]);
    names.sort((a, b) => {
      const ia = DOC_FIELD_ORDER.indexOf(a), ib = DOC_FIELD_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
    for (const name of names) {
      const value = first[name];
      let content;
      if (name === 'url' && /^https?:\/\//i.test(value)) {
        content = h('a', { href: value, rel: 'noopener noreferrer nofollow', target: '_blank', text: value });
      } else {
        content = document.createTextNode(value);
      }
      rows.push(h('div', { class: 'field', 'data-field': name }, h('dt', { text: name }), h('dd', {}, content)));
    }
    ui.docFields.replaceChildren(...rows);

    // The passages in order; a section heading wherever the title changes.
    let lastTitle = docTitle;
    const sections = passages.map((passage, index) => {
      const fields = passage.fields || {};
      const highlights = passage.highlights || {};
      const section = h('section', { class: 'passage', 'data-passage-id': String(passage.id || ''), 'data-testid': 'passage' });
      const title = fieldText(fields, 'title');
      if (index > 0 && title && title !== lastTitle) {
        // Show what the title adds to the document's (`报告 二、…` → `二、…`), marks kept.
        const chars = Array.from(title);
        let from = 0;
        const prefix = Array.from(docTitle);
        if (title.startsWith(docTitle) && chars.length > prefix.length) {
          from = prefix.length;
          while (from < chars.length && /\s/.test(chars[from])) from++;
        }
        section.append(h('h3', { class: 'passage-title' }, highlighted(chars, highlights.title, from)));
      }
      if (title) lastTitle = title;
      const body = fieldText(fields, 'body');
      section.append(h('div', { class: 'passage-body' }, highlighted(displayChars(body), highlights.body)));
      // Any other text field the passage has highlights in (besides title and body).
      for (const name of Object.keys(highlights)) {
        if (name === 'title' || name === 'body' || !fieldText(fields, name)) continue;
        section.append(h('p', { class: 'passage-extra' }, h('span', { class: 'muted', text: `${name}: ` }),
          highlighted(Array.from(fieldText(fields, name)), highlights[name])));
      }
      return section;
    });
    ui.docPassages.replaceChildren(...sections);

    const marks = ui.docPassages.querySelectorAll('mark').length;
    ui.docMatchCount.textContent = s.q ? (marks ? plural(marks, 'match', 'matches') : 'no matches marked') : '';
    ui.docPrevMatch.hidden = ui.docNextMatch.hidden = marks === 0;
    matchIndex = -1;
  }

  /** After the document is shown: scroll to the hit's passage (or the top) and move focus to the title. */
  function placeDocument(s) {
    ui.doc.querySelectorAll('.passage.target').forEach((p) => p.classList.remove('target'));
    let target = null;
    if (s.at) {
      for (const section of ui.docPassages.children) if (section.dataset.passageId === s.at) target = section;
    }
    ui.docTitle.focus({ preventScroll: true });
    if (target && ui.docPassages.children.length > 1) {
      target.classList.add('target');
      target.scrollIntoView({ block: 'start' });
    } else {
      window.scrollTo(0, 0);
    }
  }

  function stepMatch(direction) {
    const marks = Array.from(ui.docPassages.querySelectorAll('mark'));
    if (!marks.length) return;
    if (matchIndex < 0) {
      // Start from the first match at or below the top of the window.
      const top = ui.doc.querySelector('.doc-bar').getBoundingClientRect().bottom;
      const index = marks.findIndex((m) => m.getBoundingClientRect().top >= top);
      matchIndex = direction > 0 ? (index < 0 ? 0 : index) : (index <= 0 ? marks.length - 1 : index - 1);
    } else {
      matchIndex = (matchIndex + direction + marks.length) % marks.length;
    }
    marks.forEach((m) => m.classList.remove('current'));
    const mark = marks[matchIndex];
    mark.classList.add('current');
    mark.scrollIntoView({ block: 'center' });
    ui.docMatchCount.textContent = `match ${matchIndex + 1} of ${marks.length}`;
  }

  // ---------------------------------------------------------------------------------------------- showing a state

  function syncControls(s) {
    ui.q.value = s.q;
    setSelect(ui.from, s.from);
    setSelect(ui.to, s.to);
    ui.sort.value = s.sort;
  }

  function setSelect(select, value) {
    if (value && !Array.from(select.options).some((o) => o.value === value)) {
      select.append(h('option', { value, text: value }));
    }
    select.value = value || '';
  }

  function show(s) {
    const previous = current;
    current = s;
    syncControls(s);
    document.title = s.q ? `${s.q} — Kite` : 'Kite search';
    if (s.doc) {
      ui.intro.hidden = true;
      ui.results.hidden = true;
      ui.doc.hidden = false;
      if (shownDocKey !== JSON.stringify([s.doc, s.q])) {
        ui.docPassages.replaceChildren();
        ui.docFields.replaceChildren();
        ui.docTitle.textContent = 'Loading…';
        ui.docKicker.textContent = s.doc;
        ui.docMatchCount.textContent = '';
        loadDocument(s);
      } else {
        clearError();
        placeDocument(s);
        finished('done');
      }
      return;
    }
    if (docController) { docController.abort(); docController = null; }
    ui.doc.hidden = true;
    if (!s.q) {
      if (searchController) { searchController.abort(); searchController = null; }
      clearError();
      ui.results.hidden = true;
      ui.intro.hidden = false;
      shownSearchKey = null;
      finished('done');
      return;
    }
    ui.intro.hidden = true;
    if (shownSearchKey === searchKey(s)) {
      // Back from a document: the results are still here; put the reader where they were.
      clearError();
      ui.results.hidden = false;
      const entry = history.state || {};
      if (previous.doc) {
        window.scrollTo(0, entry.scrollY || 0);
        const hit = entry.focusId && Array.from(ui.main.querySelectorAll('.hit')).find((li) => li.dataset.id === entry.focusId);
        if (hit) hit.querySelector('.hit-title').focus({ preventScroll: true });
      }
      finished('done');
      return;
    }
    runSearch(s).then(() => {
      // Another page of the same results: start reading at its top.
      if (s.q === previous.q && s.offset !== previous.offset && current === s) ui.results.scrollIntoView({ block: 'start' });
    });
  }

  // ---------------------------------------------------------------------------------------------- events

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = ui.q.value.trim();
    // A new query starts on its first page with all periods (the range and order stay).
    navigate({ ...EMPTY, q, from: ui.from.value, to: ui.to.value, sort: ui.sort.value });
  });

  function rangeChanged(changed) {
    let from = ui.from.value, to = ui.to.value;
    if (from && to && from > to) {
      if (changed === ui.from) to = ''; else from = '';
    }
    const next = { ...current, from, to, period: '', offset: 0, doc: '', at: '' };
    if (!current.q) {
      current = next;
      syncControls(next);
      history.replaceState(history.state, '', urlFor(next));
      return;
    }
    navigate(next);
  }
  ui.from.addEventListener('change', () => rangeChanged(ui.from));
  ui.to.addEventListener('change', () => rangeChanged(ui.to));
  ui.sort.addEventListener('change', () => {
    const next = { ...current, sort: ui.sort.value, offset: 0, doc: '', at: '' };
    if (!current.q) { current = next; history.replaceState(history.state, '', urlFor(next)); return; }
    navigate(next);
  });

  ui.clearPeriod.addEventListener('click', () => {
    navigate({ ...current, period: '', offset: 0 });
  });
  ui.prev.addEventListener('click', () => navigate({ ...current, offset: Math.max(0, current.offset - PAGE_SIZE) }));
  ui.next.addEventListener('click', () => navigate({ ...current, offset: current.offset + PAGE_SIZE }));
  ui.docBack.addEventListener('click', backToResults);
  ui.docNextMatch.addEventListener('click', () => stepMatch(1));
  ui.docPrevMatch.addEventListener('click', () => stepMatch(-1));
  ui.brand.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate({ ...EMPTY });
    ui.q.focus();
  });

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented || ui.doc.hidden) return;
    if (event.target instanceof HTMLSelectElement) return;
    if (event.target === ui.q && ui.q.value.trim() !== current.q) return; // editing a new query
    event.preventDefault();
    backToResults();
  });

  window.addEventListener('popstate', () => show(stateFromURL()));

  // ---------------------------------------------------------------------------------------------- start

  for (const example of EXAMPLES) {
    const button = h('button', { type: 'button', class: 'example', text: example });
    button.addEventListener('click', () => {
      ui.q.value = example;
      ui.form.requestSubmit();
    });
    ui.examples.append(button, ' ');
  }

  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';

  api('/periods').then((body) => {
    const periods = Array.isArray(body.periods) ? body.periods.filter((p) => typeof p === 'string') : [];
    for (const select of [ui.from, ui.to]) {
      const keep = select.value;
      const options = periods.map((p) => h('option', { value: p, text: p }));
      select.replaceChildren(select.options[0], ...options);
      setSelect(select, keep);
    }
    ui.from.dataset.loaded = ui.to.dataset.loaded = 'true';
  }).catch(() => { /* the range stays "earliest … latest" */ });

  api('/stats').then((body) => {
    if (Number.isInteger(body.documents)) {
      ui.introCount.textContent = `Full-text search over ${plural(body.documents, 'document', 'documents')} of Chinese government reports, by period.`;
    }
  }).catch(() => {});

  const initial = stateFromURL();
  history.replaceState(history.state || {}, '', urlFor(initial));
  show(initial);
})();
