import { msgpackFormat } from '../src/index.js';
import { testVectors } from '@cereal/testkit';

// docs/vectors/msgpack.json, the vectors of docs/wire-format.md: what another implementation of
// this format must read, write and refuse as this one does.
testVectors(msgpackFormat(), new URL('../../../docs/vectors/msgpack.json', import.meta.url));
