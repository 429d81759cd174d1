import { jsonFormat } from '../src/index.js';
import { testVectors } from '@cereal/testkit';

// docs/vectors/json.json, the vectors of docs/wire-format.md: what another implementation of
// this format must read, write and refuse as this one does.
testVectors(jsonFormat(), new URL('../../../docs/vectors/json.json', import.meta.url));
