import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { prefetch } from './api.ts';
import { App } from './components/App.tsx';
import { INITIAL_VIEW, usagePath } from './usage-data.ts';

// The Usage tab opens first: its answer is on its way while the session is checked.
if (window.location.hash === '' || window.location.hash === '#usage') prefetch(usagePath(INITIAL_VIEW));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
