import { jsonFormat } from '../src/index.js';
import { testFuzz } from '@cereal/testkit';

testFuzz(jsonFormat());
