/**
 * The signed-in admin's console: a header and four tabs. Each tab asks the worker for what it shows
 * (the users list a page at a time, names of a few ids), so nothing loads every account.
 */
import { useEffect, useState } from 'react';
import type { SessionUser } from './App.tsx';
import { ApiKeysTab } from './ApiKeysTab.tsx';
import { LimitsTab } from './LimitsTab.tsx';
import { Tabs, type TabDef } from './Tabs.tsx';
import { UsageTab } from './UsageTab.tsx';
import { UsersTab } from './UsersTab.tsx';

type TabKey = 'usage' | 'users' | 'limits' | 'keys';
const TABS: readonly TabDef<TabKey>[] = [
  { key: 'usage', label: 'Usage' },
  { key: 'users', label: 'Users' },
  { key: 'limits', label: 'Limits' },
  { key: 'keys', label: 'API keys' },
];

/** The tab lives in the URL hash, so a reload or a shared link opens the same tab. */
function tabFromHash(): TabKey {
  const key = window.location.hash.slice(1);
  return TABS.some((t) => t.key === key) ? (key as TabKey) : 'usage';
}

export function Console({ user, onSignOut, signingOut }: { user: SessionUser; onSignOut: () => void; signingOut: boolean }) {
  const [tab, setTab] = useState<TabKey>(tabFromHash);

  useEffect(() => {
    const onHash = () => setTab(tabFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const select = (key: TabKey) => {
    setTab(key);
    history.replaceState(null, '', `#${key}`);
  };

  return (
    <div className="console">
      <header className="topbar">
        <h1>Usage Lens</h1>
        <span className="muted" data-testid="signed-in-as">
          {user.email}
        </span>
        <button type="button" onClick={onSignOut} disabled={signingOut}>
          {signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      </header>
      <main>
        <Tabs label="Admin console" tabs={TABS} selected={tab} onSelect={select}>
          {tab === 'usage' && <UsageTab />}
          {tab === 'users' && <UsersTab me={user.id} />}
          {tab === 'limits' && <LimitsTab />}
          {tab === 'keys' && <ApiKeysTab />}
        </Tabs>
      </main>
    </div>
  );
}
