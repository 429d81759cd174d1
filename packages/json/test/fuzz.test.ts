import { jsonFormat } from '../src/index.js';
import { testFuzz } from '../../core/test/suites/fuzz.js';

testFuzz(jsonFormat());
