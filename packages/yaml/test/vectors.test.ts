import { yamlFormat } from '../src/index.js';
import { testVectors } from '@cereal/testkit';

// docs/vectors/yaml.json, the vectors of docs/wire-format.md: what another implementation of
// this format must read, write and refuse as this one does.
testVectors(yamlFormat(), new URL('../../../docs/vectors/yaml.json', import.meta.url));
