import { yamlFormat } from '../src/index.js';
import { testFuzz } from '@cereal/testkit';

testFuzz(yamlFormat());
