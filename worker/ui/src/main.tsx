import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { adoptEarly, prefetch, type EarlyRequest } from './api.ts';
import { adoptEarlySession } from './auth-client.ts';
import { App } from './components/App.tsx';
import { INITIAL_VIEW, usagePath } from './usage-data.ts';

// The Usage tab opens first: its answer is on its way while the scripts load and the session is
// checked. index.html's inline script asked already; without it (a page built otherwise), ask now.
const early = (window as { __usageLensEarly?: EarlyRequest }).__usageLensEarly;
if (early) {
  adoptEarly(early);
  // Usually answered by now (it left with the page); the first render then skips "Loading…".
  await adoptEarlySession(early.session);
} else if (window.location.hash === '' || window.location.hash === '#usage') prefetch(usagePath(INITIAL_VIEW));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
