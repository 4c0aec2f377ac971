import { render } from 'preact';
import { interceptLinks } from './location.ts';
import './style.css';
import { App } from './views/app.tsx';

const root = document.getElementById('app')!;
interceptLinks(root);
render(<App />, root);
