import { StrictMode } from 'react';
// The shared look first; each component brings its own stylesheet after it.
import './styles/base.css';
import './styles/layout.css';
import './styles/forms.css';
import './styles/ui.css';
import { createRoot } from 'react-dom/client';
import { connect } from './api/transport';
import { App } from './components/App';
import { LabStore, setStore } from './state/store';

setStore(new LabStore(connect()));
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
