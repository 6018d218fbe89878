import { assembleSklad } from '../assembly.ts';

// Every test file runs on the app as `sklad` assembles it (src/assembly.ts).
assembleSklad();
