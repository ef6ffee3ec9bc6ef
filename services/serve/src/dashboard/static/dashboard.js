// The cdp360 dashboard: reads the profile API with a key kept in this tab's sessionStorage.
(() => {
  const KEY = 'cdp360.apiKey';
  const $ = (id) => document.getElementById(id);
  const layout = (title, extra = {}) => ({
    title: { text: title, font: { size: 15 } },
    margin: { t: 40, r: 20, b: 50, l: 60 },
    paper_bgcolor: '#fff',
    plot_bgcolor: '#fff',
    ...extra,
  });
  const config = { displaylogo: false, responsive: true };

  class AuthError extends Error {}

  async function api(path) {
    const res = await fetch(path, { headers: { authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ''}` } });
    if (res.status === 401 || res.status === 403) throw new AuthError((await res.json()).detail);
    if (!res.ok) {
      const p = await res.json().catch(() => ({}));
      throw new Error(p.detail ?? `HTTP ${res.status}`);
    }
    const type = res.headers.get('content-type') ?? '';
    return type.includes('json') ? res.json() : res.text();
  }

  function showLogin(message) {
    $('login').hidden = false;
    $('overview').hidden = true;
    $('customer').hidden = true;
    $('login-error').textContent = message ?? '';
  }

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('key').value.trim());
    $('login').hidden = true;
    route();
  });

  const label = (k, none) => (k === null ? none : String(k));

  async function overview() {
    $('overview').hidden = false;
    const s = await api('/v1/stats');
    $('total').textContent = `${s.customers.toLocaleString('en')} customer profiles`;
    Plotly.newPlot(
      'chart-segments',
      [
        {
          type: 'pie',
          hole: 0.45,
          labels: s.segments.map((r) => label(r.key, 'none')),
          values: s.segments.map((r) => r.count),
          sort: false,
        },
      ],
      layout('Segment mix'),
      config,
    );
    Plotly.newPlot(
      'chart-churn',
      [
        {
          type: 'bar',
          x: s.churn_risk.map((r) => label(r.key, 'never purchased')),
          y: s.churn_risk.map((r) => r.count),
          marker: { color: '#ef6c00' },
        },
      ],
      layout('Churn risk (5 = over a year since the last purchase)', { xaxis: { type: 'category' } }),
      config,
    );
    Plotly.newPlot(
      'chart-clv',
      [
        {
          type: 'bar',
          name: 'average',
          x: s.clv_quintiles.map((r) => label(r.key, 'unscored')),
          y: s.clv_quintiles.map((r) => Number(r.ltv_avg ?? 0)),
          customdata: s.clv_quintiles.map((r) => r.count),
          hovertemplate: 'quintile %{x}<br>average %{y:.2f}<br>%{customdata} customers<extra></extra>',
          error_y: {
            type: 'data',
            symmetric: false,
            array: s.clv_quintiles.map((r) => Number(r.ltv_max ?? 0) - Number(r.ltv_avg ?? 0)),
            arrayminus: s.clv_quintiles.map((r) => Number(r.ltv_avg ?? 0) - Number(r.ltv_min ?? 0)),
          },
          marker: { color: '#43a047' },
        },
      ],
      layout('Lifetime value by CLV quintile (average, min-max)', { xaxis: { type: 'category' } }),
      config,
    );
    Plotly.newPlot(
      'chart-ltv',
      [
        {
          type: 'bar',
          x: s.ltv_histogram.map((b) => (b.to === null ? `${b.from}+` : `${b.from}-${b.to}`)),
          y: s.ltv_histogram.map((b) => b.count),
          marker: { color: '#1e88e5' },
        },
      ],
      layout('Lifetime value histogram', { xaxis: { type: 'category' } }),
      config,
    );
    Plotly.newPlot(
      'chart-engagement',
      [
        {
          type: 'scatter',
          mode: 'markers+text',
          x: s.engagement_by_recency.map((b) => b.bucket),
          y: s.engagement_by_recency.map((b) => b.engagement_avg ?? 0),
          customdata: s.engagement_by_recency.map((b) => b.count),
          text: s.engagement_by_recency.map((b) => String(b.count)),
          textposition: 'top center',
          marker: {
            size: s.engagement_by_recency.map((b) => 10 + 40 * Math.sqrt(b.count / Math.max(1, s.customers))),
            color: '#8e24aa',
          },
          hovertemplate: '%{x}<br>engagement %{y:.2f}<br>%{customdata} customers<extra></extra>',
        },
      ],
      layout('Engagement against recency (days since the last purchase)', { xaxis: { type: 'category' } }),
      config,
    );
    const p = await api('/v1/pipeline');
    const note = p.sources === 0 ? ' (no updater metrics: cdp serve --pipeline-metrics URL)' : '';
    Plotly.newPlot(
      'chart-events',
      [
        {
          type: 'scatter',
          mode: 'lines',
          x: p.events_per_minute.map((e) => e.at),
          y: p.events_per_minute.map((e) => e.value),
          line: { color: '#00897b' },
        },
      ],
      layout(`Events per minute${note}`),
      config,
    );
    Plotly.newPlot(
      'chart-freshness',
      [
        {
          type: 'bar',
          x: p.freshness.map((b) => `≤ ${b.le} s`),
          y: p.freshness.map((b) => b.count),
          marker: { color: '#5e35b1' },
        },
      ],
      layout(`Event-to-commit freshness${note}`, { xaxis: { type: 'category' } }),
      config,
    );
    document.body.dataset.ready = 'overview';
  }

  const PII = new Set(['first_name', 'last_name', 'email', 'phone_number', 'date_of_birth']);

  async function customer(q) {
    $('customer').hidden = false;
    $('search').value = q ?? '';
    $('customer-body').hidden = true;
    $('customer-error').textContent = '';
    if (!q) {
      document.body.dataset.ready = 'customer';
      return;
    }
    let profile;
    if (/^\d+$/.test(q))
      profile = await api(`/v1/profiles/${q}`).catch((e) => (e instanceof AuthError ? Promise.reject(e) : null));
    else profile = (await api(`/v1/profiles?email=${encodeURIComponent(q)}`)).profiles[0] ?? null;
    if (!profile) {
      $('customer-error').textContent = `no profile for ${q}`;
      document.body.dataset.ready = 'customer';
      return;
    }
    const id = profile.customer_id;
    $('customer-title').textContent = `Customer ${id}`;
    const table = $('profile');
    table.replaceChildren();
    for (const [k, v] of Object.entries(profile)) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = k + (PII.has(k) ? ' (PII)' : '');
      const td = document.createElement('td');
      td.textContent = v === null ? '—' : String(v);
      tr.append(th, td);
      table.append(tr);
    }
    const [text, recs] = await Promise.all([
      api(`/v1/profiles/${id}/journey?format=mermaid`),
      api(`/v1/profiles/${id}/recommendations`),
    ]);
    const { svg } = await mermaid.render(`journey-svg-${id}`, text);
    $('journey').innerHTML = svg;
    $('journey').dataset.source = text;
    const ol = $('recommendations');
    ol.replaceChildren();
    for (const r of recs.recommendations) {
      const li = document.createElement('li');
      li.textContent = `${r.name ?? `product ${r.product_id}`} (${r.category}, ${r.brand}): ${r.buyers} buyers`;
      ol.append(li);
    }
    if (recs.recommendations.length === 0) ol.textContent = 'none';
    $('customer-body').hidden = false;
    document.body.dataset.ready = 'customer';
  }

  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    history.pushState(null, '', `/customer?q=${encodeURIComponent($('search').value.trim())}`);
    route();
  });

  async function route() {
    delete document.body.dataset.ready;
    $('overview').hidden = true;
    $('customer').hidden = true;
    if (!sessionStorage.getItem(KEY)) return showLogin();
    try {
      if (location.pathname === '/customer') await customer(new URLSearchParams(location.search).get('q'));
      else await overview();
    } catch (err) {
      if (err instanceof AuthError) {
        sessionStorage.removeItem(KEY);
        showLogin(err.message);
      } else {
        $('customer-error').textContent = err.message;
        throw err;
      }
    }
  }

  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', flowchart: { htmlLabels: false } });
  window.addEventListener('popstate', route);
  route();
})();
