import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { bindHashNavigation } from './app/hash-navigation';
import { openBridge } from './bridge';
import { createAppStore, startAppStore } from './store/app-store';
import { StoreProvider } from './store/store-context';
import './styles/theme.css';

// The page owns everything it opens: the bridge, the store's subscriptions and the React root all end
// with it.
const bridge = openBridge(window);
const store = createAppStore(bridge);
const stopStore = startAppStore(store, bridge);
const stopNavigation = bindHashNavigation(store, window);
const container = document.getElementById('root');
if (!container) throw new Error('index.html lost its #root element; the UI has nowhere to render.');
const root = createRoot(container);
root.render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

window.addEventListener('pagehide', (event) => {
  // A page kept in the back-forward cache comes back alive; only a page really leaving shuts down.
  if (event.persisted) return;
  root.unmount();
  stopNavigation();
  stopStore();
  bridge.close();
});
