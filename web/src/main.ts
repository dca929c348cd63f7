// Entry of the querier's web UI: a navigation bar and the page named by the path (/graph, /alerts, /rules,
// /targets, /stores, /status).

import { renderAlertsPage } from './alerts-page.js';
import { webPrefix } from './api.js';
import { h } from './dom.js';
import { renderGraphPage } from './graph-page.js';
import { renderRulesPage } from './rules-page.js';
import { renderStatusPage } from './status-page.js';
import { renderStoresPage } from './stores-page.js';
import { renderTargetsPage } from './targets-page.js';
import './style.css';

const PAGES = [
  { path: '/graph', title: 'Graph' },
  { path: '/alerts', title: 'Alerts' },
  { path: '/rules', title: 'Rules' },
  { path: '/targets', title: 'Targets' },
  { path: '/stores', title: 'Stores' },
  { path: '/status', title: 'Status' },
] as const;

function start(): void {
  const prefix = webPrefix();
  const root = document.getElementById('app');
  if (!root) return;
  const here = window.location.pathname.slice(prefix.length).replace(/\/+$/, '') || '/graph';
  const page = PAGES.find((p) => p.path === here) ?? PAGES[0];
  document.title = `Thanos | ${page.title}`;
  root.append(h('nav', { class: 'navbar' },
    h('a', { class: 'brand', href: `${prefix}/graph` }, 'Thanos'),
    PAGES.map((p) => h('a', { href: `${prefix}${p.path}`, class: p.path === page.path ? 'active' : undefined }, p.title))));
  const main = h('main', {});
  root.append(main);
  switch (page.path) {
    case '/graph':
      renderGraphPage(main, prefix);
      break;
    case '/alerts':
      void renderAlertsPage(main);
      break;
    case '/rules':
      void renderRulesPage(main);
      break;
    case '/targets':
      void renderTargetsPage(main);
      break;
    case '/stores':
      void renderStoresPage(main);
      break;
    case '/status':
      void renderStatusPage(main);
      break;
  }
}

start();
