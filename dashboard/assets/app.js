// jiuzhu dashboard: reads the public GraphQL API with the signed-in caller's token.
// Plain JavaScript, no library, no build step. The token lives in sessionStorage only.
'use strict';

(function () {
  const TOKEN_KEY = 'jiuzhu.dashboard.token';
  const SVG = 'http://www.w3.org/2000/svg';
  const ROLE_NAMES = { ADMIN: '管理员', OFFICER: '经办人员', ASSISTANT: '民政助理员', INTEGRATOR: '部门对接', AUDITOR: '审计' };
  const ERROR_TEXT = {
    FORBIDDEN: '无权查看该区域：它不在您的管辖范围内。',
    NOT_FOUND: '未找到。',
    BAD_USER_INPUT: '请求参数有误。',
    UNAUTHENTICATED: '令牌无效或已过期，请重新登录。',
    INTERNAL: '服务器内部错误，请稍后再试。',
  };

  const FIGURES = `households members activeHouseholds activePersons committedMonthly graceHouseholds
    lowIncomeHouseholds population coveragePerThousand`;
  const STATS_QUERY = `query Stats($area: String) {
    areaStats(area: $area) {
      area { code name level parent { code name level parent { code name level parent { code name level } } } }
      ${FIGURES}
      byProgram { program { code name } households persons committedMonthly }
      byCategory { category { code name } households persons committedMonthly }
      children { area { code name level } ${FIGURES} }
    }
    trends(area: $area, months: 12) { months { month newApplications approvals terminations committed } }
  }`;
  const STAFFING_QUERY = `query Staffing($area: String) {
    staffingReport(area: $area) {
      townships {
        township { code name } county { code name } population populationKnown
        requiredCivilAffairsStaff civilAffairsStaff requiredSocialWorkers socialWorkers
        villages villagesWithoutAssistant villagesShortOfCoordinators shortfall compliant
      }
    }
  }`;

  const GRIEVANCES_QUERY = `query Overdue($area: String) {
    overdueGrievances(area: $area) { count children { area { code name } count } }
  }`;
  const REFERRALS_QUERY = `query Referrals($area: String) {
    referralCounts(area: $area) { department areaCode open overdue }
  }`;
  const DEPARTMENTS = {
    CIVIL_AFFAIRS: '民政', EDUCATION: '教育', HOUSING: '住房城乡建设', HEALTH: '卫生健康',
    HUMAN_RESOURCES: '人力资源社会保障', DISABLED_PERSONS_FEDERATION: '残联',
  };
  // Dynamic management (P24): the open reviews of the area and its discovery cases per
  // unit of the level below it.
  const FOLLOWUP_QUERY = `query FollowUp($area: String) {
    reviewCounts(area: $area) { due overdue }
    discoveryCaseStats(area: $area) { areaCode level found followed closed granted stale }
  }`;

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let me = null;
  // staffingAvailable turns false when the server refuses the staffing query as not of
  // its schema; the page never asks the schema itself (introspection may be off).
  let staffingAvailable = true;
  let grievancesAvailable = true; // likewise for the overdue grievances
  let loadSeq = 0;
  let lastMonths = null; // the months of the charts on show, to redraw them at a new width

  // ---- GraphQL ---------------------------------------------------------------------

  class GraphQLError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code || '';
    }
  }

  async function gql(query, variables) {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify({ query, variables: variables || {} }),
      credentials: 'omit',
      cache: 'no-store',
    });
    let body;
    try {
      body = await res.json();
    } catch (e) {
      throw new GraphQLError('服务器返回了无法解析的响应（HTTP ' + res.status + '）', 'INTERNAL');
    }
    if (body.errors && body.errors.length) {
      const e = body.errors[0];
      throw new GraphQLError(e.message, (e.extensions && e.extensions.code) || '');
    }
    return body.data;
  }

  // ---- codes and numbers -----------------------------------------------------------

  function prefix(code, level) {
    return code.slice(0, { CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12 }[level] || 12);
  }

  // covers reports whether code lies in the caller's subtree.
  function covers(code) {
    return me && code.startsWith(prefix(me.area.code, me.area.level));
  }

  function int(n) {
    return n === null || n === undefined ? '—' : Number(n).toLocaleString('zh-CN');
  }

  // money formats a Money string ("1234567.50") with thousands separators, exactly.
  function money(s) {
    const neg = s.startsWith('-');
    const [whole, frac] = (neg ? s.slice(1) : s).split('.');
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (neg ? '-' : '') + grouped + '.' + (frac || '00');
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function show(id, on) {
    $(id).hidden = !on;
  }

  // ---- sign-in ---------------------------------------------------------------------

  async function showLogin(message) {
    show('content', false);
    show('error', false);
    show('who', false);
    show('loading', false);
    show('login', true);
    $('login-error').textContent = message || '';
    show('login-error', !!message);
    try {
      const res = await fetch('demo-tokens.json', { cache: 'no-store', credentials: 'omit' });
      if (!res.ok) return;
      const tokens = await res.json();
      const list = $('demo-tokens');
      list.replaceChildren();
      for (const t of tokens) {
        const b = el('button', '使用：' + t.label);
        b.type = 'button';
        b.dataset.area = t.area;
        b.addEventListener('click', () => signIn(t.token));
        const li = el('li');
        li.appendChild(b);
        list.appendChild(li);
      }
      show('demo', tokens.length > 0);
    } catch (e) {
      show('demo', false);
    }
  }

  async function signIn(t) {
    token = (t || '').trim().replace(/^Bearer\s+/i, '');
    if (!token) {
      showLogin('请先粘贴访问令牌。');
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    await start();
  }

  function signOut(message) {
    token = '';
    me = null;
    staffingAvailable = true;
    sessionStorage.removeItem(TOKEN_KEY);
    if (location.hash) history.replaceState(null, '', location.pathname);
    showLogin(message);
  }

  async function start() {
    try {
      const d = await gql('{ me { subject name role area { code name level } } }');
      me = d.me;
    } catch (e) {
      signOut(e.code === 'UNAUTHENTICATED' ? ERROR_TEXT.UNAUTHENTICATED : '登录失败：' + e.message);
      return;
    }
    show('login', false);
    show('who', true);
    $('who-text').textContent = (me.name || me.subject) + ' · ' + (ROLE_NAMES[me.role] || me.role) + ' · ' + me.area.name;
    $('error-home').href = '#area=' + me.area.code;
    await route();
  }

  // ---- navigation ------------------------------------------------------------------

  function hashArea() {
    const m = /^#area=(\d{12})$/.exec(location.hash);
    return m ? m[1] : null;
  }

  async function route() {
    if (!me) return;
    const area = hashArea() || me.area.code;
    await load(area);
  }

  async function load(area) {
    const seq = ++loadSeq;
    show('loading', true);
    try {
      const d = await gql(STATS_QUERY, { area });
      if (seq !== loadSeq) return;
      render(d.areaStats, d.trends);
      show('error', false);
      show('content', true);
      drawCharts();
      $('content').dataset.area = d.areaStats.area.code;
      await loadStaffing(d.areaStats.area, seq);
      await loadGrievances(d.areaStats.area, seq);
      await loadReferrals(d.areaStats.area, seq);
      await loadFollowUp(d.areaStats, seq);
    } catch (e) {
      if (seq !== loadSeq) return;
      if (e.code === 'UNAUTHENTICATED') {
        signOut(ERROR_TEXT.UNAUTHENTICATED);
        return;
      }
      show('content', false);
      delete $('content').dataset.area;
      $('error-text').textContent = (ERROR_TEXT[e.code] || '出错了。') + '（' + (e.code || 'ERROR') + '：' + e.message + '）';
      $('error').dataset.code = e.code || 'ERROR';
      show('error', true);
    } finally {
      if (seq === loadSeq) show('loading', false);
    }
  }

  // ---- rendering -------------------------------------------------------------------

  function render(s, trends) {
    const a = s.area;
    // The jurisdiction's own name says its level (德城区, 新湖街道): no label is added.
    $('area-title').textContent = a.name;
    document.title = a.name + ' · 社会大救助数据看板';
    // Breadcrumbs from the caller's own level down to this area, never above it.
    const chain = [];
    for (let u = a; u; u = u.parent) chain.unshift(u);
    const crumbs = $('crumbs');
    crumbs.replaceChildren();
    for (const u of chain.filter((u) => covers(u.code))) {
      const li = el('li');
      if (u.code === a.code) {
        li.appendChild(el('span', u.name));
      } else {
        const link = el('a', u.name);
        link.href = '#area=' + u.code;
        link.dataset.code = u.code;
        li.appendChild(link);
      }
      crumbs.appendChild(li);
    }
    const up = $('up');
    const parent = a.parent;
    if (a.code !== me.area.code && parent && covers(parent.code)) {
      up.href = '#area=' + parent.code;
      up.dataset.code = parent.code;
      up.hidden = false;
    } else {
      up.hidden = true;
      up.removeAttribute('href');
      delete up.dataset.code;
    }

    for (const tile of document.querySelectorAll('[data-kpi]')) {
      const k = tile.dataset.kpi;
      const v = s[k];
      const out = tile.querySelector('.value');
      out.classList.remove('na');
      if (v === null || v === undefined) {
        tile.dataset.value = '';
        out.textContent = k === 'lowIncomeHouseholds' ? '—' : '人口未知';
        out.classList.add('na');
      } else {
        tile.dataset.value = String(v);
        out.textContent = k === 'committedMonthly' ? money(v) : k === 'coveragePerThousand' ? Number(v).toFixed(2) : int(v);
      }
    }

    const body = $('children').tBodies[0];
    body.replaceChildren();
    for (const c of s.children) {
      const tr = el('tr');
      tr.dataset.code = c.area.code;
      const name = el('td');
      const link = el('a', c.area.name);
      link.href = '#area=' + c.area.code;
      link.dataset.code = c.area.code;
      name.appendChild(link);
      tr.appendChild(name);
      for (const v of [int(c.households), int(c.members), int(c.activeHouseholds), int(c.activePersons),
        money(c.committedMonthly), int(c.graceHouseholds), int(c.population),
        c.coveragePerThousand === null ? '—' : Number(c.coveragePerThousand).toFixed(2)]) {
        tr.appendChild(el('td', v));
      }
      body.appendChild(tr);
    }
    show('children', s.children.length > 0);
    show('no-children', s.children.length === 0);

    fillBreakdown('programs', s.byProgram.map((p) => [p.program.name, p]));
    fillBreakdown('categories', s.byCategory.map((c) => [c.category.name, c]));
    lastMonths = trends.months; // drawn once the content is on show and has a width
  }

  function drawCharts() {
    if (!lastMonths) return;
    drawCounts($('chart-counts'), lastMonths);
    drawMoney($('chart-money'), lastMonths);
  }

  function fillBreakdown(id, rows) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = el('tr');
      const td = el('td', '暂无在保对象', 'muted');
      td.colSpan = 4;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const [name, r] of rows) {
      const tr = el('tr');
      for (const v of [name, int(r.households), int(r.persons), money(r.committedMonthly)]) tr.appendChild(el('td', v));
      body.appendChild(tr);
    }
  }

  // ---- charts (inline SVG) -----------------------------------------------------------

  // The charts are drawn at the width of their box, in CSS pixels, so that text keeps its
  // size on a phone; they are redrawn when the width changes.
  const H = 220, M = { top: 12, right: 12, bottom: 28 };

  // monthLabel shortens "2026-01" to "1月" when the columns are narrow; January and the
  // first month keep their year ("26年1月") so the axis says where the year turns.
  function monthLabel(month, i, narrow) {
    if (!narrow) return month;
    const [y, m] = month.split('-');
    return (i === 0 || m === '01' ? y.slice(2) + '年' : '') + Number(m) + '月';
  }

  function frame(box, ticks, months, fmt) {
    const W = Math.max(240, Math.floor(box.clientWidth || 0));
    const top = ticks[ticks.length - 1];
    // The left margin fits the longest tick label (about 7 px a character at 11 px).
    const left = 14 + 7 * Math.max(...ticks.map((t) => fmt(t).length));
    const root = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' });
    const ih = H - M.top - M.bottom;
    const y = (v) => M.top + ih - (ih * v) / top;
    for (const t of ticks) {
      root.appendChild(svg('line', { x1: left, x2: W - M.right, y1: y(t), y2: y(t), stroke: '#e4e7eb' }));
      root.appendChild(svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#52606d', class: 'tick', 'data-value': t }, fmt(t)));
    }
    const step = (W - left - M.right) / months.length;
    const narrow = step < 56;
    // Every month gets a label when there is room, else every second or third.
    const every = step >= 34 || !narrow ? 1 : step >= 17 ? 2 : 3;
    months.forEach((m, i) => {
      if (i % every !== 0) return;
      root.appendChild(svg('text', { x: left + step * (i + 0.5), y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#52606d', class: 'month' }, monthLabel(m.month, i, narrow)));
    });
    return { root, step, ih, y, left };
  }

  function drawCounts(box, months) {
    const series = [['newApplications', '#3b82c4', '新增申请'], ['approvals', '#2f9e44', '审批通过'], ['terminations', '#d9480f', '终止']];
    const ticks = window.niceTicks(Math.max(0, ...months.flatMap((m) => series.map(([k]) => m[k]))), 5, true);
    const f = frame(box, ticks, months, (v) => v.toLocaleString('zh-CN'));
    const bw = (f.step * 0.8) / series.length;
    months.forEach((m, i) => {
      series.forEach(([k, color, label], j) => {
        const x = f.left + f.step * i + f.step * 0.1 + bw * j;
        const y = f.y(m[k]);
        const r = svg('rect', { x, y, width: Math.max(1, bw - 1), height: M.top + f.ih - y, fill: color, 'data-month': m.month, 'data-series': k });
        r.appendChild(svg('title', {}, `${m.month} ${label}：${m[k]}`));
        f.root.appendChild(r);
      });
    });
    box.replaceChildren(f.root);
  }

  function drawMoney(box, months) {
    // Amounts are plotted as numbers only for scale; the labels keep the exact strings.
    const vals = months.map((m) => Number(m.committed));
    const max = Math.max(0, ...vals);
    // From 100,000 yuan on, the axis counts in 万 (10,000 yuan): still 1-2-5 steps.
    const wan = max >= 100000;
    const ticks = window.niceTicks(wan ? max / 10000 : max, 5, true).map((t) => (wan ? t * 10000 : t));
    const f = frame(box, ticks, months, (v) => (wan ? (v / 10000).toLocaleString('zh-CN') + '万' : v.toLocaleString('zh-CN')));
    const pts = vals.map((v, i) => [f.left + f.step * (i + 0.5), f.y(v)]);
    f.root.appendChild(svg('polyline', { points: pts.map((p) => p.join(',')).join(' '), fill: 'none', stroke: '#8b1a1a', 'stroke-width': 2 }));
    pts.forEach(([x, y], i) => {
      const c = svg('circle', { cx: x, cy: y, r: 3.5, fill: '#8b1a1a', 'data-month': months[i].month });
      c.appendChild(svg('title', {}, `${months[i].month}：${money(months[i].committed)} 元`));
      f.root.appendChild(c);
    });
    box.replaceChildren(f.root);
  }

  // ---- staffing -------------------------------------------------------------------
  //
  // The page asks for staffingReport with the query it knows. It never discovers fields by
  // introspection, which production servers turn off: a server whose schema lacks the
  // report refuses the query at validation, and a caller whose role may not read it gets
  // FORBIDDEN; either way the section stays hidden.

  function hideStaffing() {
    const section = $('staffing');
    section.hidden = true;
    section.dataset.state = 'hidden';
  }

  // loadGrievances shows the grievances still unanswered after their due date (P25), in
  // the area and per child; hidden for a role that may not read grievances.
  async function loadGrievances(area, seq) {
    const section = $('grievances');
    if (!grievancesAvailable) {
      section.hidden = true;
      return;
    }
    let d;
    try {
      d = await gql(GRIEVANCES_QUERY, { area: area.code });
    } catch (e) {
      if (seq !== loadSeq) return;
      if (e.code === 'GRAPHQL_VALIDATION_FAILED' || e.code === 'GRAPHQL_PARSE_FAILED') grievancesAvailable = false;
      if (e.code === 'FORBIDDEN' || !grievancesAvailable) {
        section.hidden = true;
        delete section.dataset.state;
        return;
      }
      $('grievances-error').textContent = '逾期投诉加载失败：' + e.message;
      show('grievances-error', true);
      section.hidden = false;
      section.dataset.state = 'error';
      return;
    }
    if (seq !== loadSeq) return;
    show('grievances-error', false);
    const o = d && d.overdueGrievances;
    if (!o) {
      section.hidden = true; // a server without the field
      return;
    }
    $('grievances-total').textContent = int(o.count);
    const body = $('grievances-table').tBodies[0];
    body.replaceChildren();
    for (const c of o.children.filter((c) => c.count > 0)) {
      const tr = el('tr', null, 'bad');
      tr.dataset.code = c.area.code;
      for (const v of [c.area.name, int(c.count)]) tr.appendChild(el('td', v));
      body.appendChild(tr);
    }
    show('grievances-table', o.children.some((c) => c.count > 0));
    section.hidden = false;
    section.dataset.state = 'shown';
    section.dataset.total = String(o.count);
  }

  async function loadStaffing(area, seq) {
    const section = $('staffing');
    if (area.level === 'VILLAGE' || !staffingAvailable) {
      hideStaffing();
      return;
    }
    let d;
    try {
      d = await gql(STAFFING_QUERY, { area: area.code });
    } catch (e) {
      if (seq !== loadSeq) return;
      if (e.code === 'GRAPHQL_VALIDATION_FAILED' || e.code === 'GRAPHQL_PARSE_FAILED') {
        staffingAvailable = false; // the schema differs from the one this page knows
        hideStaffing();
        return;
      }
      if (e.code === 'FORBIDDEN') {
        hideStaffing(); // the caller's role may not read the report
        return;
      }
      $('staffing-error').textContent = '配备情况加载失败：' + e.message;
      show('staffing-error', true);
      $('staffing-table').tBodies[0].replaceChildren();
      section.hidden = false;
      section.dataset.state = 'error';
      return;
    }
    if (seq !== loadSeq) return;
    show('staffing-error', false);
    const body = $('staffing-table').tBodies[0];
    body.replaceChildren();
    for (const t of d.staffingReport.townships) {
      const tr = el('tr', null, t.compliant ? '' : 'bad');
      tr.dataset.code = t.township.code;
      const pop = t.populationKnown ? int(t.population) : '未知';
      const req = t.requiredCivilAffairsStaff === null ? '—' : int(t.requiredCivilAffairsStaff);
      for (const v of [t.township.name, t.county.name, pop, req, int(t.civilAffairsStaff), int(t.requiredSocialWorkers),
        int(t.socialWorkers), int(t.villages), int(t.villagesWithoutAssistant), int(t.villagesShortOfCoordinators), int(t.shortfall)]) {
        tr.appendChild(el('td', v));
      }
      tr.appendChild(el('td', t.compliant ? '达标' : '未达标', t.compliant ? 'yes' : 'no'));
      body.appendChild(tr);
    }
    section.hidden = false;
    section.dataset.state = 'shown';
  }

  // ---- referrals ------------------------------------------------------------------
  //
  // Open and overdue referrals per department and township. Like the staffing section, it
  // stays hidden when the server does not know the query or the caller may not read it,
  // and when nothing is open.

  async function loadReferrals(area, seq) {
    const section = $('referrals');
    let d;
    try {
      d = await gql(REFERRALS_QUERY, { area: area.code });
    } catch (e) {
      if (seq !== loadSeq) return;
      section.hidden = true;
      section.dataset.state = 'hidden';
      return;
    }
    if (seq !== loadSeq) return;
    if (!d || !Array.isArray(d.referralCounts)) {
      section.hidden = true;
      section.dataset.state = 'hidden';
      return;
    }
    const body = $('referrals-table').tBodies[0];
    body.replaceChildren();
    for (const c of d.referralCounts) {
      const tr = el('tr', null, c.overdue > 0 ? 'bad' : '');
      tr.dataset.department = c.department;
      tr.dataset.code = c.areaCode;
      for (const v of [DEPARTMENTS[c.department] || c.department, c.areaCode, int(c.open), int(c.overdue)]) {
        tr.appendChild(el('td', v));
      }
      body.appendChild(tr);
    }
    section.hidden = d.referralCounts.length === 0;
    section.dataset.state = section.hidden ? 'hidden' : 'shown';
  }

  // ---- dynamic management ---------------------------------------------------------
  //
  // Like the staffing section, it is shown only when the server answers its query: a
  // schema without these fields or a role that may not read them hides it.

  let followUpAvailable = true;

  function hideFollowUp() {
    const section = $('followup');
    section.hidden = true;
    section.dataset.state = 'hidden';
  }

  async function loadFollowUp(stats, seq) {
    const section = $('followup');
    if (!followUpAvailable) {
      hideFollowUp();
      return;
    }
    let d;
    try {
      d = await gql(FOLLOWUP_QUERY, { area: stats.area.code });
    } catch (e) {
      if (seq !== loadSeq) return;
      if (e.code === 'GRAPHQL_VALIDATION_FAILED' || e.code === 'GRAPHQL_PARSE_FAILED') {
        followUpAvailable = false;
      }
      hideFollowUp();
      return;
    }
    if (seq !== loadSeq) return;
    if (!d || !d.reviewCounts || !Array.isArray(d.discoveryCaseStats)) {
      hideFollowUp();
      return;
    }
    $('reviews-due').textContent = int(d.reviewCounts.due);
    $('reviews-overdue').textContent = int(d.reviewCounts.overdue);
    const names = new Map((stats.children || []).map((c) => [c.area.code, c.area.name]));
    names.set(stats.area.code, stats.area.name);
    const body = $('followup-table').tBodies[0];
    body.replaceChildren();
    for (const r of d.discoveryCaseStats) {
      const tr = el('tr', null, r.stale > 0 ? 'bad' : '');
      tr.dataset.code = r.areaCode;
      for (const v of [names.get(r.areaCode) || r.areaCode, int(r.found), int(r.followed), int(r.closed), int(r.granted), int(r.stale)]) {
        tr.appendChild(el('td', v));
      }
      body.appendChild(tr);
    }
    show('followup-empty', d.discoveryCaseStats.length === 0);
    section.hidden = false;
    section.dataset.state = 'shown';
  }

  // ---- wiring ----------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('signin').addEventListener('click', () => signIn($('token').value));
    $('signout').addEventListener('click', () => signOut());
    window.addEventListener('hashchange', route);
    // Redraw the charts when their box changes width (a turned phone, a resized window).
    let width = 0;
    new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width);
      if (w > 0 && w !== width) {
        width = w;
        drawCharts();
      }
    }).observe($('chart-counts'));
    if (token) start();
    else showLogin();
  });
})();
