import { yamlFormat } from '../src/index.js';
import { testFuzz } from '../../core/test/suites/fuzz.js';

testFuzz(yamlFormat());
