// `npm start`: the whole system on one machine — Temporal dev server + UI, PostgreSQL, one worker, the intake API.
import { superviseSelf } from './supervise.js';

// The supervisor only relays signals and exit codes, so it loads nothing else; its child runs the system.
if (!superviseSelf()) await import('./start-system.js');
