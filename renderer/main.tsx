import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/transport';
import { App } from './components/App';
import { LabStore, setStore } from './state/store';
import './styles.css';

setStore(new LabStore(connect()));
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
