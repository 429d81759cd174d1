import { msgpackFormat } from '../src/index.js';
import { testFuzz } from '@cereal/testkit';

testFuzz(msgpackFormat());
